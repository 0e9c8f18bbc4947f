/**
 * FormPost against a running cluster: browser-style multipart uploads of several files with a
 * redirect, into a prefix, with container and account keys — and the forms that must change
 * nothing: over max_file_size (a large file cut off mid-stream), over max_file_count,
 * forged, expired.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';
import { http } from '../helpers/http.js';

let env: TestCluster;
let tester: Session;

const CONTAINER_KEY = 'form-secret';
const ACCOUNT_KEY = 'account-form-secret';
const BOUNDARY = '----StratusFormBoundary7MA4YWxkTrZu0gW';

const api = (path: string, options: Parameters<typeof http>[1] = {}) =>
  http(`${tester.storageUrl}${path}`, {
    ...options,
    headers: { 'X-Auth-Token': tester.token, ...options.headers },
  });

interface FormFields {
  path: string;
  redirect?: string;
  maxFileSize?: number;
  maxFileCount?: number;
  expires?: number;
  key?: string;
  extra?: Record<string, string>;
}

/** Signed form fields, as Swift's docs compute the signature. */
function formFields(f: FormFields): [string, string][] {
  const redirect = f.redirect ?? '';
  const maxFileSize = String(f.maxFileSize ?? 1024);
  const maxFileCount = String(f.maxFileCount ?? 5);
  const expires = String(f.expires ?? Math.floor(Date.now() / 1000) + 300);
  const signature = createHmac('sha256', f.key ?? CONTAINER_KEY)
    .update([f.path, redirect, maxFileSize, maxFileCount, expires].join('\n'))
    .digest('hex');
  return [
    ...(f.redirect !== undefined ? [['redirect', f.redirect] as [string, string]] : []),
    ['max_file_size', maxFileSize],
    ['max_file_count', maxFileCount],
    ['expires', expires],
    ['signature', signature],
    ...Object.entries(f.extra ?? {}),
  ];
}

/** A multipart/form-data body: fields first, then files (as browsers send a form). */
function multipart(
  fields: [string, string][],
  files: { name: string; filename: string; data: Buffer | string; type?: string }[],
): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields)
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
    );
  for (const file of files) {
    parts.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\n` +
          `Content-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      Buffer.from(file.data),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

/** Posts a form anonymously, as a browser would. */
const post = (path: string, body: Buffer) =>
  http(`${env.proxyUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` },
    body,
  });

const names = async (container: string) =>
  (await api(`/${container}`)).text.split('\n').filter(Boolean);

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
  for (const container of ['uploads', 'limits', 'refused', 'acct'])
    expect((await api(`/${container}`, { method: 'PUT' })).status).toBe(201);
  for (const container of ['uploads', 'limits', 'refused']) {
    const reply = await api(`/${container}`, {
      method: 'POST',
      headers: { 'X-Container-Meta-Temp-URL-Key': CONTAINER_KEY },
    });
    expect(reply.status).toBe(204);
  }
});

afterAll(async () => {
  await env?.stop();
});

describe('FormPost uploads', () => {
  it('stores two files and redirects the browser with the status', async () => {
    const path = '/v1/AUTH_test/uploads';
    const body = multipart(formFields({ path, redirect: 'https://app.example/done?x=1' }), [
      { name: 'file1', filename: 'first.txt', data: 'first file\n', type: 'text/plain' },
      { name: 'file2', filename: 'second.bin', data: randomBytes(700) },
    ]);
    const reply = await post(path, body);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('https://app.example/done?x=1&status=201&message=');
    expect(reply.text).toContain('Click to continue...');
    expect(await names('uploads')).toEqual(['first.txt', 'second.bin']);
    const first = await api('/uploads/first.txt');
    expect(first.text).toBe('first file\n');
    expect(first.headers['content-type']).toBe('text/plain');
    expect(
      Number((await api('/uploads/second.bin', { method: 'HEAD' })).headers['content-length']),
    ).toBe(700);
  });

  it('puts files under the form’s prefix and answers without a redirect in text', async () => {
    const path = '/v1/AUTH_test/uploads/user42_';
    const reply = await post(
      path,
      multipart(formFields({ path, extra: { x_delete_after: '3600' } }), [
        { name: 'f', filename: 'photo.jpg', data: 'jpeg bytes' },
      ]),
    );
    expect(reply.status).toBe(201);
    expect(reply.text).toBe('201 Created');
    const stored = await api('/uploads/user42_photo.jpg');
    expect(stored.text).toBe('jpeg bytes');
    expect(Number(stored.headers['x-delete-at'])).toBeGreaterThan(Date.now() / 1000 + 3000);
  });

  it('accepts forms signed with the account key', async () => {
    expect(
      (await api('', { method: 'POST', headers: { 'X-Account-Meta-Temp-URL-Key': ACCOUNT_KEY } }))
        .status,
    ).toBe(204);
    const path = '/v1/AUTH_test/acct/';
    const reply = await post(
      path,
      multipart(formFields({ path, key: ACCOUNT_KEY }), [
        { name: 'f', filename: 'by-account.txt', data: 'ok' },
      ]),
    );
    expect(reply.status).toBe(201);
    expect((await api('/acct/by-account.txt')).text).toBe('ok');
  });

  it('publishes its digests in /info', async () => {
    const info = JSON.parse((await http(`${env.proxyUrl}/info`)).text) as Record<string, unknown>;
    expect(info.formpost).toEqual({
      allowed_digests: ['sha1', 'sha256', 'sha512'],
      deprecated_digests: ['sha1'],
    });
  });
});

describe('FormPost limits', () => {
  it('refuses a file over max_file_size and stores none of it, even mid-stream', async () => {
    const path = '/v1/AUTH_test/limits';
    const big = randomBytes(3 * 1024 * 1024);
    const reply = await post(
      path,
      multipart(formFields({ path, maxFileSize: 1024 * 1024, redirect: 'https://app.example/r' }), [
        { name: 'f', filename: 'too-big.bin', data: big },
      ]),
    );
    expect(reply.status).toBe(400);
    expect(reply.text).toBe('FormPost: max_file_size exceeded');
    expect((await api('/limits/too-big.bin', { method: 'HEAD' })).status).toBe(404);
    expect(await names('limits')).toEqual([]);
  });

  it('takes a file of exactly max_file_size', async () => {
    const path = '/v1/AUTH_test/limits';
    const data = randomBytes(4096);
    const reply = await post(
      path,
      multipart(formFields({ path, maxFileSize: 4096 }), [
        { name: 'f', filename: 'exact.bin', data },
      ]),
    );
    expect(reply.status).toBe(201);
    const stored = await api('/limits/exact.bin');
    expect(createHash('md5').update(stored.body).digest('hex')).toBe(
      createHash('md5').update(data).digest('hex'),
    );
    expect((await api('/limits/exact.bin', { method: 'DELETE' })).status).toBe(204);
  });

  it('refuses files beyond max_file_count (earlier ones are kept, as in Swift)', async () => {
    const path = '/v1/AUTH_test/limits/count_';
    const files = ['a', 'b', 'c'].map((n) => ({ name: n, filename: `${n}.txt`, data: n }));
    const reply = await post(path, multipart(formFields({ path, maxFileCount: 2 }), files));
    expect(reply.status).toBe(400);
    expect(reply.text).toBe('400 Bad Request\r\nFormPost: Max File Count Exceeded');
    expect(await names('limits')).toEqual(['count_a.txt', 'count_b.txt']);
    const redirected = await post(
      path,
      multipart(formFields({ path, maxFileCount: 0, redirect: 'https://app.example/r' }), files),
    );
    expect(redirected.status).toBe(303);
    expect(redirected.headers.location).toBe(
      'https://app.example/r?status=400&message=max%20file%20count%20exceeded',
    );
  });
});

describe('bad forms', () => {
  const path = '/v1/AUTH_test/refused';
  const file = [{ name: 'f', filename: 'never.txt', data: 'should not be stored' }];

  it('refuses a forged signature with 401 and stores nothing', async () => {
    for (const fields of [
      formFields({ path, key: 'guessed' }),
      formFields({ path: '/v1/AUTH_test/uploads' }), // signed for another container
      formFields({ path }).map(([k, v]): [string, string] => [
        k,
        k === 'max_file_size' ? '99999999' : v,
      ]),
    ]) {
      const reply = await post(path, multipart(fields, file));
      expect(reply.status).toBe(401);
      expect(reply.text).toBe('FormPost: Invalid Signature');
    }
    expect(await names('refused')).toEqual([]);
  });

  it('refuses an expired form with 401 and a form for a container without keys', async () => {
    const expired = await post(
      path,
      multipart(formFields({ path, expires: Math.floor(Date.now() / 1000) - 1 }), file),
    );
    expect(expired.status).toBe(401);
    expect(expired.text).toBe('FormPost: Form Expired');
    expect((await api('/nokeys', { method: 'PUT' })).status).toBe(201);
    const reply = await post(
      '/v1/AUTH_test/nokeys',
      multipart(formFields({ path: '/v1/AUTH_test/nokeys', key: 'anything' }), file),
    );
    // The account key was set by an earlier test; this form is signed with another one.
    expect(reply.status).toBe(401);
    expect(await names('nokeys')).toEqual([]);
    expect(await names('refused')).toEqual([]);
  });

  it('answers malformed bodies and forms with Swift’s 400s', async () => {
    const wrongBoundary = await http(`${env.proxyUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=other' },
      body: multipart(formFields({ path }), file),
    });
    expect(wrongBoundary.status).toBe(400);
    expect(wrongBoundary.text).toBe('FormPost: invalid starting boundary');
    const noFiles = await post(path, multipart(formFields({ path }), []));
    expect(noFiles.status).toBe(400);
    expect(noFiles.text).toBe('400 Bad Request\r\nFormPost: No Files To Process');
    const badSize = formFields({ path }).map(([k, v]): [string, string] => [
      k,
      k === 'max_file_size' ? 'lots' : v,
    ]);
    const reply = await post(path, multipart(badSize, file));
    expect(reply.status).toBe(400);
    expect(reply.text).toBe('FormPost: max_file_size not an integer');
    expect(await names('refused')).toEqual([]);
  });

  it('leaves other POSTs to the API', async () => {
    const reply = await api('/refused', {
      method: 'POST',
      headers: { 'X-Container-Meta-Color': 'blue' },
    });
    expect(reply.status).toBe(204);
    const anonymous = await http(`${env.proxyUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'not a form',
    });
    expect(anonymous.status).toBe(401);
  });
});
