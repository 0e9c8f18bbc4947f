/**
 * TempURL against a running cluster: signed GET/HEAD/PUT/DELETE links with account and
 * container keys (and the second key of each), prefix links, every digest form, and the
 * links that must fail — expired, forged, another method, another path, another address —
 * with 401 and nothing changed.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';
import { http } from '../helpers/http.js';

let env: TestCluster;
let tester: Session;
let tester2: Session;

const ACCOUNT_KEY = 'account-secret';
const CONTAINER_KEY = 'container-secret';

const api = (path: string, options: Parameters<typeof http>[1] = {}, session = tester) =>
  http(`${session.storageUrl}${path}`, {
    ...options,
    headers: { 'X-Auth-Token': session.token, ...options.headers },
  });

interface SignOptions {
  key?: string;
  expires?: number;
  digest?: 'sha1' | 'sha256' | 'sha512';
  base64?: boolean;
  prefix?: string;
  ipRange?: string;
}

/** The signed query for `method` on `path` (`/v1/AUTH_test/c/o`), as Swift's docs compute it. */
function sign(method: string, path: string, options: SignOptions = {}): string {
  const expires = options.expires ?? Math.floor(Date.now() / 1000) + 300;
  const digest = options.digest ?? 'sha256';
  const signedPath =
    options.prefix === undefined
      ? path
      : `prefix:${path.split('/').slice(0, 4).join('/')}/${options.prefix}`;
  const fields = [method, String(expires), signedPath];
  if (options.ipRange) fields.unshift(`ip=${options.ipRange}`);
  const mac = createHmac(digest, options.key ?? ACCOUNT_KEY).update(fields.join('\n'));
  const sig = options.base64 ? `${digest}:${mac.digest('base64url')}` : mac.digest('hex');
  const query = new URLSearchParams({ temp_url_sig: sig, temp_url_expires: String(expires) });
  if (options.prefix !== undefined) query.set('temp_url_prefix', options.prefix);
  if (options.ipRange) query.set('temp_url_ip_range', options.ipRange);
  return query.toString();
}

/** An anonymous request to a path with a query (no token anywhere). */
const anon = (path: string, query: string, options: Parameters<typeof http>[1] = {}) =>
  http(`${env.proxyUrl}${path}?${query}`, options);

const body = async (path: string) => (await api(path)).text;

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
  tester2 = await login(env.authUrl, 'test2:tester2', 'testing2');
  expect(
    (await api('', { method: 'POST', headers: { 'X-Account-Meta-Temp-URL-Key': ACCOUNT_KEY } }))
      .status,
  ).toBe(204);
  for (const container of ['tu', 'keyed', 'other'])
    expect((await api(`/${container}`, { method: 'PUT' })).status).toBe(201);
  const put = (path: string, data: string, headers: Record<string, string> = {}) =>
    api(path, { method: 'PUT', body: data, headers });
  await put('/tu/o', 'hello tempurl', {
    'X-Object-Meta-Secret': 'hidden',
    'X-Object-Meta-Public-Name': 'shown',
    'Content-Type': 'text/plain',
  });
  await put('/tu/pre/one', 'under prefix');
  await put('/tu/prelude', 'also matches the prefix text');
  await put('/tu/elsewhere', 'outside the prefix');
  await put('/tu/disposed', 'has its own', { 'Content-Disposition': 'inline; filename="own.txt"' });
  await put('/keyed/k', 'container key object');
  await put('/other/k', 'other container');
});

afterAll(async () => {
  await env?.stop();
});

describe('TempURL reads', () => {
  it('lets a signed GET download the object as an attachment, without private metadata', async () => {
    const reply = await anon('/v1/AUTH_test/tu/o', sign('GET', '/v1/AUTH_test/tu/o'));
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('hello tempurl');
    expect(reply.headers['content-disposition']).toBe(
      `attachment; filename="o"; filename*=UTF-8''o`,
    );
    expect(reply.headers.expires).toMatch(/GMT$/);
    expect(reply.headers['x-object-meta-secret']).toBeUndefined();
    expect(reply.headers['x-object-meta-public-name']).toBe('shown');
  });

  it('honours filename and inline, and keeps an object’s own Content-Disposition', async () => {
    const q = sign('GET', '/v1/AUTH_test/tu/o');
    const named = await anon(
      '/v1/AUTH_test/tu/o',
      `${q}&filename=${encodeURIComponent('My File.txt')}`,
    );
    expect(named.headers['content-disposition']).toBe(
      `attachment; filename="My File.txt"; filename*=UTF-8''My%20File.txt`,
    );
    expect((await anon('/v1/AUTH_test/tu/o', `${q}&inline`)).headers['content-disposition']).toBe(
      'inline',
    );
    const own = await anon('/v1/AUTH_test/tu/disposed', sign('GET', '/v1/AUTH_test/tu/disposed'));
    expect(own.headers['content-disposition']).toBe('inline; filename="own.txt"');
  });

  it('lets HEAD in on a GET or PUT signature', async () => {
    for (const method of ['GET', 'PUT', 'HEAD']) {
      const reply = await anon('/v1/AUTH_test/tu/o', sign(method, '/v1/AUTH_test/tu/o'), {
        method: 'HEAD',
      });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-length']).toBe('13');
    }
  });

  it('accepts sha1 and sha512 (hex and base64) signatures and ISO 8601 expiry', async () => {
    const path = '/v1/AUTH_test/tu/o';
    expect((await anon(path, sign('GET', path, { digest: 'sha1' }))).status).toBe(200);
    expect((await anon(path, sign('GET', path, { digest: 'sha512' }))).status).toBe(200);
    expect((await anon(path, sign('GET', path, { digest: 'sha512', base64: true }))).status).toBe(
      200,
    );
    const expires = Math.floor(Date.now() / 1000) + 600;
    const iso = new Date(expires * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const query = new URLSearchParams(sign('GET', path, { expires }));
    query.set('temp_url_expires', iso);
    expect((await anon(path, query.toString())).status).toBe(200);
  });

  it('uses the second account key, and container keys for their own container only', async () => {
    expect(
      (await api('', { method: 'POST', headers: { 'X-Account-Meta-Temp-URL-Key-2': 'second' } }))
        .status,
    ).toBe(204);
    expect(
      (await anon('/v1/AUTH_test/tu/o', sign('GET', '/v1/AUTH_test/tu/o', { key: 'second' })))
        .status,
    ).toBe(200);
    expect(
      (
        await api('/keyed', {
          method: 'POST',
          headers: { 'X-Container-Meta-Temp-URL-Key': CONTAINER_KEY },
        })
      ).status,
    ).toBe(204);
    const keyed = await anon(
      '/v1/AUTH_test/keyed/k',
      sign('GET', '/v1/AUTH_test/keyed/k', { key: CONTAINER_KEY }),
    );
    expect(keyed.status).toBe(200);
    expect(keyed.text).toBe('container key object');
    // The same key means nothing for a container that does not carry it.
    const other = await anon(
      '/v1/AUTH_test/other/k',
      sign('GET', '/v1/AUTH_test/other/k', { key: CONTAINER_KEY }),
    );
    expect(other.status).toBe(401);
  });

  it('lets a prefix signature reach every object under the prefix, and nothing else', async () => {
    const q = sign('GET', '/v1/AUTH_test/tu/x', { prefix: 'pre' });
    expect((await anon('/v1/AUTH_test/tu/pre/one', q)).text).toBe('under prefix');
    expect((await anon('/v1/AUTH_test/tu/prelude', q)).status).toBe(200);
    expect((await anon('/v1/AUTH_test/tu/elsewhere', q)).status).toBe(401);
    const slash = sign('GET', '/v1/AUTH_test/tu/x', { prefix: 'pre/' });
    expect((await anon('/v1/AUTH_test/tu/pre/one', slash)).status).toBe(200);
    expect((await anon('/v1/AUTH_test/tu/prelude', slash)).status).toBe(401);
  });

  it('checks an IP-range signature against the client address', async () => {
    const path = '/v1/AUTH_test/tu/o';
    expect((await anon(path, sign('GET', path, { ipRange: '127.0.0.0/8' }))).status).toBe(200);
    expect((await anon(path, sign('GET', path, { ipRange: '10.0.0.0/8' }))).status).toBe(401);
  });

  it('publishes its settings in /info', async () => {
    const info = JSON.parse((await http(`${env.proxyUrl}/info`)).text) as Record<string, unknown>;
    expect(info.tempurl).toEqual({
      methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
      incoming_remove_headers: ['x-timestamp'],
      incoming_allow_headers: [],
      outgoing_remove_headers: ['x-object-meta-*'],
      outgoing_allow_headers: ['x-object-meta-public-*'],
      allowed_digests: ['sha1', 'sha256', 'sha512'],
      deprecated_digests: ['sha1'],
    });
  });
});

describe('TempURL writes', () => {
  it('uploads and deletes with PUT and DELETE signatures, and nothing else', async () => {
    const path = '/v1/AUTH_test/tu/uploaded';
    const put = await anon(path, sign('PUT', path), { method: 'PUT', body: 'sent by a browser' });
    expect(put.status).toBe(201);
    expect(await body('/tu/uploaded')).toBe('sent by a browser');
    // A PUT link cannot overwrite another object, and a GET link cannot write.
    expect(
      (await anon('/v1/AUTH_test/tu/o', sign('PUT', path), { method: 'PUT', body: 'x' })).status,
    ).toBe(401);
    expect((await anon(path, sign('GET', path), { method: 'PUT', body: 'x' })).status).toBe(401);
    expect((await anon(path, sign('GET', path), { method: 'DELETE' })).status).toBe(401);
    expect(await body('/tu/uploaded')).toBe('sent by a browser');
    expect(await body('/tu/o')).toBe('hello tempurl');
    expect((await anon(path, sign('DELETE', path), { method: 'DELETE' })).status).toBe(204);
    expect((await api('/tu/uploaded')).status).toBe(404);
  });

  it('refuses a PUT that would make a manifest or a symlink', async () => {
    const path = '/v1/AUTH_test/tu/pointer';
    for (const [header, value] of [
      ['X-Object-Manifest', 'other/'],
      ['X-Symlink-Target', 'other/k'],
    ] as const) {
      const reply = await anon(path, sign('PUT', path), {
        method: 'PUT',
        body: '',
        headers: { [header]: value },
      });
      expect(reply.status).toBe(400);
      expect(reply.text).toBe(`The header '${header}' is not allowed in this tempurl`);
    }
    expect((await api('/tu/pointer', { method: 'HEAD' })).status).toBe(404);
  });
});

describe('bad TempURLs', () => {
  const path = '/v1/AUTH_test/tu/o';

  it('answers an expired or forged link with 401 "Temp URL invalid"', async () => {
    const expired = await anon(
      path,
      sign('GET', path, { expires: Math.floor(Date.now() / 1000) - 1 }),
    );
    expect(expired.status).toBe(401);
    expect(expired.text).toBe('401 Unauthorized: Temp URL invalid\n');
    expect(expired.headers['www-authenticate']).toBe('Swift realm="AUTH_test"');
    const forged = await anon(path, sign('GET', path, { key: 'guessed' }));
    expect(forged.status).toBe(401);
    expect(forged.text).toBe('401 Unauthorized: Temp URL invalid\n');
    const good = new URLSearchParams(sign('GET', path));
    good.set('temp_url_expires', String(Number(good.get('temp_url_expires')) + 1));
    expect((await anon(path, good.toString())).status).toBe(401);
    expect((await anon(path, 'temp_url_sig=abc')).status).toBe(401);
    expect((await anon(path, 'temp_url_expires=99999999999')).status).toBe(401);
    expect(
      (
        await anon(
          path,
          sign('GET', path, { digest: 'sha512', base64: true }).replace('sha512%3A', 'md5%3A'),
        )
      ).status,
    ).toBe(401);
  });

  it('changes nothing through an expired or forged write link', async () => {
    const expires = Math.floor(Date.now() / 1000) - 5;
    for (const query of [sign('PUT', path, { expires }), sign('PUT', path, { key: 'guessed' })]) {
      expect((await anon(path, query, { method: 'PUT', body: 'overwritten' })).status).toBe(401);
    }
    for (const query of [
      sign('DELETE', path, { expires }),
      sign('DELETE', path, { key: 'guessed' }),
    ]) {
      expect((await anon(path, query, { method: 'DELETE' })).status).toBe(401);
    }
    expect(await body('/tu/o')).toBe('hello tempurl');
  });

  it('refuses links to containers, and to another account signed with this one’s key', async () => {
    expect((await anon('/v1/AUTH_test/tu', sign('GET', '/v1/AUTH_test/tu'))).status).toBe(401);
    expect((await api('/c2', { method: 'PUT' }, tester2)).status).toBe(201);
    expect((await api('/c2/o', { method: 'PUT', body: 'theirs' }, tester2)).status).toBe(201);
    const theirs = '/v1/AUTH_test2/c2/o';
    expect((await anon(theirs, sign('GET', theirs))).status).toBe(401);
  });
});
