/**
 * Symlinks against a real cluster: following links on GET/HEAD, `?symlink=get`, static links
 * and their ETag checks, chains and loops against symloop_max, dangling links, POST's 307,
 * copies of links and of their targets, and bad link requests that create nothing.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  login,
  startCluster,
  storageRequest,
  type Session,
  type TestCluster,
} from '../helpers/cluster.js';
import { http } from '../helpers/http.js';

const md5 = (data: string) => createHash('md5').update(data).digest('hex');

let env: TestCluster;
let tester: Session;
let tester2: Session;

const api = storageRequest;
const as = (path: string, options: Parameters<typeof http>[1] = {}) => api(tester, path, options);
const link = (path: string, target: string, headers: Record<string, string> = {}) =>
  as(path, { method: 'PUT', body: '', headers: { 'X-Symlink-Target': target, ...headers } });
const names = async (container: string) =>
  (await as(`/${container}`)).text.split('\n').filter(Boolean);

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
  tester2 = await login(env.authUrl, 'test2:tester2', 'testing2');
  await as('/c', { method: 'PUT' });
  await as('/c/target', {
    method: 'PUT',
    body: 'hello world',
    headers: { 'Content-Type': 'text/x-target', 'X-Object-Meta-Kind': 'target' },
  });
});

afterAll(async () => {
  await env?.stop();
});

describe('/info', () => {
  it('lists symlink with symloop_max and static links', async () => {
    const info = JSON.parse((await http(`${env.proxyUrl}/info`)).text) as Record<string, unknown>;
    expect(info.symlink).toEqual({ symloop_max: 2, static_links: true });
  });
});

describe('dynamic links', () => {
  it('follows a link on GET and HEAD, with Content-Location', async () => {
    expect((await link('/c/link', 'c/target')).status).toBe(201);
    const got = await as('/c/link');
    expect(got.status).toBe(200);
    expect(got.text).toBe('hello world');
    expect(got.headers['content-location']).toBe('/v1/AUTH_test/c/target');
    expect(got.headers['x-object-meta-kind']).toBe('target');
    const head = await as('/c/link', { method: 'HEAD' });
    expect(head.headers['content-length']).toBe('11');
    expect(head.headers['content-type']).toBe('text/x-target');
    const ranged = await as('/c/link', { headers: { Range: 'bytes=6-10' } });
    expect(ranged.status).toBe(206);
    expect(ranged.text).toBe('world');
    const conditional = await as('/c/link', { headers: { 'If-None-Match': md5('hello world') } });
    expect(conditional.status).toBe(304);
  });

  it('returns the link itself with ?symlink=get', async () => {
    const got = await as('/c/link?symlink=get');
    expect(got.status).toBe(200);
    expect(got.text).toBe('');
    expect(got.headers['x-symlink-target']).toBe('c/target');
    expect(got.headers['content-type']).toBe('application/symlink');
    expect(got.headers['content-location']).toBeUndefined();
    expect(Object.keys(got.headers).some((h) => h.includes('sysmeta'))).toBe(false);
    // The listing shows the link's own type and size.
    const listed = JSON.parse((await as('/c?format=json&prefix=link')).text) as {
      name: string;
      content_type: string;
      bytes: number;
    }[];
    expect(listed.find((e) => e.name === 'link')).toMatchObject({
      content_type: 'application/symlink',
      bytes: 0,
    });
  });

  it('answers 404 for a dangling link', async () => {
    expect((await link('/c/dangling', 'c/nothing')).status).toBe(201);
    const got = await as('/c/dangling');
    expect(got.status).toBe(404);
    expect(got.headers['content-location']).toBe('/v1/AUTH_test/c/nothing');
  });

  it('follows chains up to symloop_max and refuses longer ones and loops (409)', async () => {
    await link('/c/hop1', 'c/target');
    await link('/c/hop2', 'c/hop1');
    expect((await as('/c/hop2')).text).toBe('hello world');
    await link('/c/hop3', 'c/hop2');
    const tooLong = await as('/c/hop3');
    expect(tooLong.status).toBe(409);
    expect(tooLong.text).toBe('Too many levels of symbolic links, maximum allowed is 2');
    await link('/c/loop-a', 'c/loop-b');
    await link('/c/loop-b', 'c/loop-a');
    expect((await as('/c/loop-a')).status).toBe(409);
    expect((await as('/c/loop-a', { method: 'HEAD' })).status).toBe(409);
  });

  it('answers POST to a link with 307 and the target’s Location', async () => {
    const posted = await as('/c/link', { method: 'POST', headers: { 'X-Object-Meta-On': 'link' } });
    expect(posted.status).toBe(307);
    expect(posted.headers.location).toBe('/v1/AUTH_test/c/target');
    expect((await as('/c/target', { method: 'HEAD' })).headers['x-object-meta-on']).toBeUndefined();
    const plain = await as('/c/target', {
      method: 'POST',
      headers: { 'X-Object-Meta-Kind': 'target' },
    });
    expect(plain.status).toBe(202);
  });

  it('deletes the link, never its target', async () => {
    await link('/c/doomed', 'c/target');
    expect((await as('/c/doomed', { method: 'DELETE' })).status).toBe(204);
    expect((await as('/c/doomed')).status).toBe(404);
    expect((await as('/c/target')).text).toBe('hello world');
  });

  it('follows links to other accounts the user may read', async () => {
    await api(tester2, '/shared', {
      method: 'PUT',
      headers: { 'X-Container-Read': 'test:tester' },
    });
    await api(tester2, '/shared/file', { method: 'PUT', body: 'from test2' });
    await api(tester2, '/private', { method: 'PUT' });
    await api(tester2, '/private/file', { method: 'PUT', body: 'secret' });
    await link('/c/remote', 'shared/file', { 'X-Symlink-Target-Account': 'AUTH_test2' });
    const got = await as('/c/remote');
    expect(got.text).toBe('from test2');
    expect(got.headers['content-location']).toBe('/v1/AUTH_test2/shared/file');
    await link('/c/sneaky', 'private/file', { 'X-Symlink-Target-Account': 'AUTH_test2' });
    expect((await as('/c/sneaky')).status).toBe(403);
  });
});

describe('static links', () => {
  it('checks the target’s ETag when made and when read', async () => {
    await as('/c/pinned', { method: 'PUT', body: 'version 1' });
    const made = await link('/c/static', 'c/pinned', { 'X-Symlink-Target-Etag': md5('version 1') });
    expect(made.status).toBe(201);
    const self = await as('/c/static?symlink=get');
    expect(self.headers['x-symlink-target-etag']).toBe(md5('version 1'));
    expect(self.headers['x-symlink-target-bytes']).toBe('9');
    expect((await as('/c/static')).text).toBe('version 1');

    await as('/c/pinned', { method: 'PUT', body: 'version 2' });
    const changed = await as('/c/static');
    expect(changed.status).toBe(409);
    expect(changed.headers['content-location']).toBe('/v1/AUTH_test/c/pinned');
  });

  it('refuses a static link to a missing target or with the wrong ETag (409), creating nothing', async () => {
    const missing = await link('/c/static-missing', 'c/none', {
      'X-Symlink-Target-Etag': md5('x'),
    });
    expect(missing.status).toBe(409);
    expect(missing.text).toBe('X-Symlink-Target does not exist');
    const wrong = await link('/c/static-wrong', 'c/target', { 'X-Symlink-Target-Etag': md5('x') });
    expect(wrong.status).toBe(409);
    expect(await names('c')).not.toContain('static-missing');
    expect(await names('c')).not.toContain('static-wrong');
  });
});

describe('bad symlink requests change nothing', () => {
  it('refuses a body (400), malformed targets (412), self-links (400) and POSTed targets', async () => {
    const withBody = await as('/c/bad1', {
      method: 'PUT',
      body: 'data',
      headers: { 'X-Symlink-Target': 'c/target' },
    });
    expect(withBody.status).toBe(400);
    expect(withBody.text).toBe('Symlink requests require a zero byte body');
    const chunked = await as('/c/bad1b', {
      method: 'PUT',
      body: [Buffer.from('chunked data')],
      headers: { 'X-Symlink-Target': 'c/target' },
    });
    expect(chunked.status).toBe(400);
    expect((await link('/c/bad2', '/c/target')).status).toBe(412);
    expect((await link('/c/bad3', 'just-container')).status).toBe(412);
    const self = await link('/c/bad4', 'c/bad4');
    expect(self.status).toBe(400);
    expect(self.text).toBe('Symlink cannot target itself');
    const badEtag = await link('/c/bad5', 'c/target', { 'X-Symlink-Target-Etag': 'a;b' });
    expect(badEtag.status).toBe(400);
    const posted = await as('/c/target', {
      method: 'POST',
      headers: { 'X-Symlink-Target': 'c/link' },
    });
    expect(posted.status).toBe(400);
    expect((await as('/c/target?symlink=get')).headers['x-symlink-target']).toBeUndefined();
    const listed = await names('c');
    for (const name of ['bad1', 'bad1b', 'bad2', 'bad3', 'bad4', 'bad5'])
      expect(listed).not.toContain(name);
  });
});

describe('copies and versions of links', () => {
  it('copies the target’s data, or the link itself with ?symlink=get', async () => {
    const data = await as('/c/link', { method: 'COPY', headers: { Destination: 'c/copy-data' } });
    expect(data.status).toBe(201);
    const copied = await as('/c/copy-data?symlink=get');
    expect(copied.text).toBe('hello world');
    expect(copied.headers['x-symlink-target']).toBeUndefined();
    const asLink = await as('/c/link?symlink=get', {
      method: 'COPY',
      headers: { Destination: 'c/copy-link' },
    });
    expect(asLink.status).toBe(201);
    expect((await as('/c/copy-link?symlink=get')).headers['x-symlink-target']).toBe('c/target');
    expect((await as('/c/copy-link')).text).toBe('hello world');
  });

  it('archives the link itself when a versioned link is overwritten', async () => {
    await as('/links-archive', { method: 'PUT' });
    await as('/links', { method: 'PUT', headers: { 'X-Versions-Location': 'links-archive' } });
    await link('/links/l', 'c/target');
    await as('/links/l', { method: 'PUT', body: 'plain now' });
    const archived = (await as('/links-archive')).text.split('\n').filter(Boolean);
    expect(archived).toHaveLength(1);
    const old = await as(`/links-archive/${archived[0]}?symlink=get`);
    expect(old.headers['x-symlink-target']).toBe('c/target');
    expect((await as('/links/l', { method: 'DELETE' })).status).toBe(204);
    expect((await as('/links/l')).text).toBe('hello world');
  });
});
