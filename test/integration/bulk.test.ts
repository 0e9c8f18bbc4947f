/**
 * Bulk delete and extract-archive against a real cluster: Swift's response bodies, every
 * operation done as the user, and bad input (bad paths, too many paths, corrupt archives,
 * strangers' tokens) answered in the body with nothing changed.
 */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGzip } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/http.js';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';

let env: TestCluster;
let tester: Session;
let stranger: Session;

const api = (path: string, options: Parameters<typeof http>[1] = {}, session: Session = tester) =>
  http(`${session.storageUrl}${path}`, {
    ...options,
    headers: { 'X-Auth-Token': session.token, ...options.headers },
  });

const listing = async (path: string): Promise<string[]> => {
  const reply = await api(path);
  return reply.status === 200 ? reply.text.split('\n').filter(Boolean) : [];
};

async function tarOf(
  files: { header: Partial<Header> & { name: string }; data?: string | Buffer }[],
): Promise<Buffer> {
  const packer = pack();
  const done = buffer(packer);
  for (const file of files) packer.entry(file.header, file.data ?? '');
  packer.finalize();
  return done;
}

const bulkDelete = (body: string, accept = 'application/json', session: Session = tester) =>
  api(
    '?bulk-delete',
    { method: 'POST', headers: { 'Content-Type': 'text/plain', Accept: accept }, body },
    session,
  );

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
  stranger = await login(env.authUrl, 'test2:tester2', 'testing2');
});

afterAll(async () => {
  await env?.stop();
});

describe('bulk delete', () => {
  it('is listed in /info', async () => {
    const info = JSON.parse((await http(`${env.proxyUrl}/info`)).text) as Record<string, unknown>;
    expect(info.bulk_delete).toEqual({ max_deletes_per_request: 10000, max_failed_deletes: 1000 });
    expect(info.bulk_upload).toEqual({
      max_containers_per_extraction: 10000,
      max_failed_extractions: 1000,
    });
  });

  it('deletes objects, then their container, and counts what was not there', async () => {
    expect((await api('/bd', { method: 'PUT' })).status).toBe(201);
    for (const name of ['a b', 'é', 'x/y'])
      expect(
        (await api(`/bd/${encodeURIComponent(name)}`, { method: 'PUT', body: name })).status,
      ).toBe(201);
    const reply = await bulkDelete('/bd/a%20b\n/bd/%C3%A9\n/bd\n/bd/x/y\n/bd/missing\n');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(reply.text)).toEqual({
      'Response Status': '200 OK',
      'Response Body': '',
      'Number Deleted': 4,
      'Number Not Found': 1,
      Errors: [],
    });
    expect((await api('/bd', { method: 'HEAD' })).status).toBe(404);
  });

  it('reports bad paths and a non-empty container in the body, deleting the rest', async () => {
    await api('/keep', { method: 'PUT' });
    await api('/keep/stays', { method: 'PUT', body: 'x' });
    await api('/keep/goes', { method: 'PUT', body: 'x' });
    const reply = await bulkDelete('/keep\n%FF\n/\n/keep/goes\n', 'text/plain');
    expect(reply.status).toBe(200);
    const [summary, errors] = reply.text.trimStart().split('Errors:\n');
    expect(summary).toBe(
      'Number Deleted: 1\nNumber Not Found: 0\nResponse Body: \nResponse Status: 400 Bad Request\n',
    );
    // Paths are deleted two at a time, so errors come in the order they happen.
    expect(errors!.split('\n').filter(Boolean).sort()).toEqual([
      '%FF, 412 Precondition Failed',
      '/, 400 Bad Request',
      '/keep, 409 Conflict',
    ]);
    expect(await listing('/keep')).toEqual(['stays']);
  });

  it('refuses more than max_deletes_per_request paths without deleting any', async () => {
    const body = `/keep/stays\n${'/keep/nothing\n'.repeat(10_000)}`;
    const reply = await bulkDelete(body, 'application/xml');
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('<response_status>413 Request Entity Too Large</response_status>');
    expect(reply.text).toContain(
      '<response_body>Maximum Bulk Deletes: 10000 per request</response_body>',
    );
    expect(await listing('/keep')).toEqual(['stays']);
  });

  it("deletes nothing with another account's token", async () => {
    const reply = await bulkDelete('/keep/stays\n', 'application/json', {
      ...stranger,
      storageUrl: tester.storageUrl,
    });
    expect(JSON.parse(reply.text)).toMatchObject({
      'Response Status': '400 Bad Request',
      'Number Deleted': 0,
      Errors: [['/keep/stays', '403 Forbidden']],
    });
    const anonymous = await http(`${tester.storageUrl}?bulk-delete`, {
      method: 'DELETE',
      headers: { 'Content-Type': 'text/plain', Accept: 'application/json' },
      body: '/keep/stays\n',
    });
    expect(JSON.parse(anonymous.text)).toMatchObject({
      Errors: [['/keep/stays', '401 Unauthorized']],
    });
    expect(await listing('/keep')).toEqual(['stays']);
  });

  it('wants a text/plain list and an acceptable answer format', async () => {
    const json = await api('?bulk-delete', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '["/keep/stays"]',
    });
    expect(json.text).toContain('Response Status: 406 Not Acceptable');
    const png = await bulkDelete('/keep/stays\n', 'image/png');
    expect(png.text).toContain('Response Status: 406 Not Acceptable');
    expect(await listing('/keep')).toEqual(['stays']);
  });
});

describe('extract archive', () => {
  it('creates containers and objects from a tar, with pax xattrs as metadata', async () => {
    const archive = await tarOf([
      { header: { name: 'readme.txt' }, data: 'top-level files are skipped' },
      { header: { name: 'docs', type: 'directory' } },
      {
        header: {
          name: 'docs/lunch.txt',
          pax: {
            'SCHILY.xattr.user.meta.lunch': 'burger and fries',
            'SCHILY.xattr.user.mime_type': 'text/x-menu',
            'SCHILY.xattr.user.stuff': 'ignored',
          },
        },
        data: 'menu',
      },
      {
        header: { name: 'photos/2024/cat.jpg', pax: { 'LIBARCHIVE.xattr.user.meta.who': 'tom' } },
        data: Buffer.alloc(300_000, 7),
      },
      { header: { name: 'photos/link', type: 'symlink', linkname: '2024/cat.jpg' } },
    ]);
    const reply = await api('?extract-archive=tar', {
      method: 'PUT',
      headers: { Accept: 'application/json', 'X-Object-Meta-Batch': 'one' },
      body: archive,
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({
      'Response Status': '201 Created',
      'Response Body': '',
      'Number Files Created': 2,
      Errors: [],
    });
    const lunch = await api('/docs/lunch.txt');
    expect(lunch.text).toBe('menu');
    expect(lunch.headers['content-type']).toBe('text/x-menu');
    expect(lunch.headers['x-object-meta-lunch']).toBe('burger and fries');
    expect(lunch.headers['x-object-meta-batch']).toBe('one');
    expect(lunch.headers['x-object-meta-stuff']).toBeUndefined();
    const cat = await api('/photos/2024/cat.jpg');
    expect(cat.body.equals(Buffer.alloc(300_000, 7))).toBe(true);
    expect(cat.headers['x-object-meta-who']).toBe('tom');
    expect(cat.headers['content-type']).toBe('image/jpeg');
    expect(await listing('/photos')).toEqual(['2024/cat.jpg']);
  });

  it('extracts tar.gz and tar.bz2 under a container and prefix', async () => {
    const archive = await tarOf([
      { header: { name: 'a.txt' }, data: 'alpha' },
      { header: { name: './sub/b.txt' }, data: 'beta' },
    ]);
    const gz = await buffer(Readable.from([archive]).pipe(createGzip()));
    const reply = await api('/unpacked/v1/?extract-archive=tar.gz', { method: 'PUT', body: gz });
    expect(reply.text).toContain('Number Files Created: 2\n');
    expect(reply.text).toContain('Response Status: 201 Created\n');
    expect(await listing('/unpacked')).toEqual(['v1/a.txt', 'v1/sub/b.txt']);
    expect((await api('/unpacked/v1/sub/b.txt')).text).toBe('beta');
    // `tar --format=ustar -cf - photos | bzip2 -9`: photos/a.txt and photos/b.txt.
    const bz2 = Buffer.from(
      'QlpoOTFBWSZTWSpT+N0AAN/7kMuQIEBAAf+ABCB/Zd5ABAABCDAAubYZUANGgAAAZMhGlMg0AGgaaA0AEUomR6hpo0GhiAaB+xA01WRS0GeBWMqiOSymlmJph9NjVt35mSiQrfhOJXdfi2lchRuL5PJhXU0BbBOwtDbgcYMoSWhJGHylsRBCDMIIlExLygZBlgNbnLSxZ8Clq4BSXgVn1qOTsdTLGYEMLwLRUA6WBpoOKIfxdyRThQkCpT+N0A==',
      'base64',
    );
    const bzReply = await api('/unpacked?extract-archive=.tar.bz2.', { method: 'PUT', body: bz2 });
    expect(bzReply.text).toContain('Number Files Created: 2\n');
    expect((await api('/unpacked/photos/a.txt')).text).toBe('first file\n');
  });

  it('refuses corrupt archives without creating anything', async () => {
    const junk = Buffer.alloc(2048, 'junk');
    for (const [type, message] of [
      ['tar', 'Invalid Tar File: invalid header'],
      ['tar.gz', 'Invalid Tar File: not a gzip file'],
      ['tar.bz2', 'Invalid Tar File: invalid compressed data'],
    ] as const) {
      const reply = await api(`/corrupt?extract-archive=${type}`, {
        method: 'PUT',
        headers: { Accept: 'application/json' },
        body: junk,
      });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.text)).toEqual({
        'Response Status': '400 Bad Request',
        'Response Body': message,
        'Number Files Created': 0,
        Errors: [],
      });
    }
    expect((await api('/corrupt', { method: 'HEAD' })).status).toBe(404);
  });

  it('stores no half file from a cut archive', async () => {
    const archive = await tarOf([
      { header: { name: 'whole.txt' }, data: 'complete' },
      { header: { name: 'half.bin' }, data: Buffer.alloc(100_000, 1) },
    ]);
    const reply = await api('/cut?extract-archive=tar', {
      method: 'PUT',
      headers: { Accept: 'application/json' },
      body: archive.subarray(0, 60_000),
    });
    const result = JSON.parse(reply.text) as Record<string, unknown>;
    expect(result).toMatchObject({
      'Response Status': '400 Bad Request',
      'Response Body': 'Invalid Tar File: unexpected end of data',
      'Number Files Created': 1,
    });
    expect(await listing('/cut')).toEqual(['whole.txt']);
  });

  it('extracts nothing for a stranger, and answers unknown formats with 400', async () => {
    const archive = await tarOf([{ header: { name: 'theirs/o' }, data: 'x' }]);
    const reply = await api(
      '?extract-archive=tar',
      { method: 'PUT', headers: { Accept: 'application/json' }, body: archive },
      { ...stranger, storageUrl: tester.storageUrl },
    );
    expect(JSON.parse(reply.text)).toMatchObject({
      'Response Status': '400 Bad Request',
      'Number Files Created': 0,
      Errors: [
        ['/v1/AUTH_test/theirs', '403 Forbidden'],
        ['theirs/o', '403 Forbidden'],
      ],
    });
    expect((await api('/theirs', { method: 'HEAD' })).status).toBe(404);
    const zip = await api('/c?extract-archive=zip', { method: 'PUT', body: archive });
    expect(zip.status).toBe(400);
    expect(zip.text).toBe('Unsupported archive format');
  });
});
