/**
 * Legacy object versioning against a real cluster: stack mode (X-Versions-Location) and
 * history mode (X-History-Location) through several PUT/DELETE cycles with the exact archive
 * names, switching modes, turning versioning off, and bad settings that change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  login,
  startCluster,
  storageRequest,
  type Session,
  type TestCluster,
} from '../helpers/cluster.js';
import { http } from '../helpers/http.js';

let env: TestCluster;
let tester: Session;
let tester3: Session;

const api = storageRequest;
const as = (path: string, options: Parameters<typeof http>[1] = {}) => api(tester, path, options);

interface Entry {
  name: string;
  content_type: string;
  bytes: number;
}
const listing = async (container: string, prefix = ''): Promise<Entry[]> =>
  JSON.parse(
    (await as(`/${container}?format=json&prefix=${encodeURIComponent(prefix)}`)).text,
  ) as Entry[];

/** PUTs a version and returns its X-Timestamp, the name its archive copy will get. */
async function putVersion(path: string, body: string, headers: Record<string, string> = {}) {
  const put = await as(path, { method: 'PUT', body, headers });
  expect(put.status).toBe(201);
  return (await as(path, { method: 'HEAD' })).headers['x-timestamp']!;
}

const MARKER = 'application/x-deleted;swift_versions_deleted=1';

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
  tester3 = await login(env.authUrl, 'test:tester3', 'testing3');
});

afterAll(async () => {
  await env?.stop();
});

describe('/info', () => {
  it('lists versioned_writes with its flags', async () => {
    const info = JSON.parse((await http(`${env.proxyUrl}/info`)).text) as Record<string, unknown>;
    expect(info.versioned_writes).toEqual({
      allowed_flags: ['x-versions-location', 'x-history-location'],
    });
  });
});

describe('stack mode (X-Versions-Location)', () => {
  it('archives on PUT and restores newest-first on DELETE', async () => {
    await as('/stack-archive', { method: 'PUT' });
    const created = await as('/stack', {
      method: 'PUT',
      headers: { 'X-Versions-Location': 'stack-archive' },
    });
    expect(created.status).toBe(201);
    const head = await as('/stack', { method: 'HEAD' });
    expect(head.headers['x-versions-location']).toBe('stack-archive');
    expect(head.headers['x-history-location']).toBeUndefined();

    const t1 = await putVersion('/stack/doc', 'one', { 'X-Object-Meta-V': '1' });
    expect(await listing('stack-archive')).toEqual([]);
    const t2 = await putVersion('/stack/doc', 'two', { 'X-Object-Meta-V': '2' });
    await putVersion('/stack/doc', 'three');
    expect((await listing('stack-archive')).map((e) => e.name)).toEqual([
      `003doc/${t1}`,
      `003doc/${t2}`,
    ]);
    expect((await as('/stack/doc')).text).toBe('three');

    expect((await as('/stack/doc', { method: 'DELETE' })).status).toBe(204);
    const restored = await as('/stack/doc');
    expect(restored.text).toBe('two');
    expect(restored.headers['x-object-meta-v']).toBe('2');
    expect((await listing('stack-archive')).map((e) => e.name)).toEqual([`003doc/${t1}`]);

    expect((await as('/stack/doc', { method: 'DELETE' })).status).toBe(204);
    expect((await as('/stack/doc')).text).toBe('one');
    expect(await listing('stack-archive')).toEqual([]);

    expect((await as('/stack/doc', { method: 'DELETE' })).status).toBe(204);
    expect((await as('/stack/doc')).status).toBe(404);
    expect((await as('/stack/doc', { method: 'DELETE' })).status).toBe(404);
  });

  it('names versions by the UTF-8 length of the name in three hex digits', async () => {
    const name = 'é/x'; // 4 bytes
    const t1 = await putVersion(`/stack/${encodeURIComponent(name)}`, 'a');
    await putVersion(`/stack/${encodeURIComponent(name)}`, 'b');
    expect((await listing('stack-archive', '004')).map((e) => e.name)).toEqual([
      `004${name}/${t1}`,
    ]);
  });

  it('archives the destination of a COPY', async () => {
    const t1 = await putVersion('/stack/copied', 'before');
    const copy = await as('/stack/doc-source', { method: 'PUT', body: 'after' });
    expect(copy.status).toBe(201);
    expect(
      (await as('/stack/doc-source', { method: 'COPY', headers: { Destination: 'stack/copied' } }))
        .status,
    ).toBe(201);
    expect((await as('/stack/copied')).text).toBe('after');
    expect((await listing('stack-archive', '006copied/')).map((e) => e.name)).toEqual([
      `006copied/${t1}`,
    ]);
  });

  it('stops versioning with X-Remove-Versions-Location', async () => {
    await as('/off-archive', { method: 'PUT' });
    await as('/off', { method: 'PUT', headers: { 'X-Versions-Location': 'off-archive' } });
    await putVersion('/off/o', '1');
    await putVersion('/off/o', '2');
    expect(await listing('off-archive')).toHaveLength(1);
    const removed = await as('/off', {
      method: 'POST',
      headers: { 'X-Remove-Versions-Location': 'x' },
    });
    expect(removed.status).toBe(204);
    expect((await as('/off', { method: 'HEAD' })).headers['x-versions-location']).toBeUndefined();
    await putVersion('/off/o', '3');
    expect(await listing('off-archive')).toHaveLength(1);
    expect((await as('/off/o', { method: 'DELETE' })).status).toBe(204);
    expect((await as('/off/o')).status).toBe(404);
  });
});

describe('history mode (X-History-Location)', () => {
  it('archives on PUT and DELETE and leaves delete markers', async () => {
    await as('/hist-archive', { method: 'PUT' });
    await as('/hist', { method: 'PUT', headers: { 'X-History-Location': 'hist-archive' } });
    const head = await as('/hist', { method: 'HEAD' });
    expect(head.headers['x-history-location']).toBe('hist-archive');
    expect(head.headers['x-versions-location']).toBeUndefined();

    const t1 = await putVersion('/hist/doc', 'one');
    const t2 = await putVersion('/hist/doc', 'two');
    expect((await listing('hist-archive')).map((e) => e.name)).toEqual([`003doc/${t1}`]);

    expect((await as('/hist/doc', { method: 'DELETE' })).status).toBe(204);
    expect((await as('/hist/doc')).status).toBe(404);
    const afterDelete = await listing('hist-archive');
    expect(afterDelete.map((e) => e.name).slice(0, 2)).toEqual([`003doc/${t1}`, `003doc/${t2}`]);
    expect(afterDelete).toHaveLength(3);
    expect(afterDelete[2]!.name).toMatch(/^003doc\/\d{10}\.\d{5}$/);
    expect(afterDelete[2]!.name > `003doc/${t2}`).toBe(true);
    expect(afterDelete[2]!.content_type).toBe(MARKER);
    expect(afterDelete[2]!.bytes).toBe(0);
    expect((await as(`/hist-archive/${afterDelete[1]!.name}`)).text).toBe('two');

    // A new life for the name: nothing to archive on its first PUT, archived on its DELETE.
    const t3 = await putVersion('/hist/doc', 'three');
    expect(await listing('hist-archive')).toHaveLength(3);
    expect((await as('/hist/doc', { method: 'DELETE' })).status).toBe(204);
    const final = await listing('hist-archive');
    expect(final).toHaveLength(5);
    expect(final[3]!.name).toBe(`003doc/${t3}`);
    expect(final[4]!.content_type).toBe(MARKER);
  });

  it('restores across a delete marker once switched to stack mode', async () => {
    await as('/mixed-archive', { method: 'PUT' });
    await as('/mixed', { method: 'PUT', headers: { 'X-History-Location': 'mixed-archive' } });
    await putVersion('/mixed/o', 'kept');
    expect((await as('/mixed/o', { method: 'DELETE' })).status).toBe(204);
    expect((await listing('mixed-archive')).map((e) => e.content_type)).toEqual([
      'application/octet-stream',
      MARKER,
    ]);
    await as('/mixed', { method: 'POST', headers: { 'X-Versions-Location': 'mixed-archive' } });
    expect((await as('/mixed', { method: 'HEAD' })).headers['x-versions-location']).toBe(
      'mixed-archive',
    );
    expect((await as('/mixed/o', { method: 'DELETE' })).status).toBe(204);
    expect((await as('/mixed/o')).text).toBe('kept');
    expect(await listing('mixed-archive')).toEqual([]);
  });
});

describe('bad settings and missing rights change nothing', () => {
  it('refuses both modes at once (400) and a location with a slash (412)', async () => {
    await as('/plain', { method: 'PUT', headers: { 'X-Container-Meta-Kept': 'yes' } });
    const both = await as('/plain', {
      method: 'POST',
      headers: {
        'X-Versions-Location': 'a',
        'X-History-Location': 'b',
        'X-Container-Meta-Kept': 'changed',
      },
    });
    expect(both.status).toBe(400);
    expect(both.text).toBe(
      'Only one of x-versions-location or x-history-location may be specified',
    );
    const slash = await as('/plain', {
      method: 'POST',
      headers: { 'X-Versions-Location': 'a/b', 'X-Container-Meta-Kept': 'changed' },
    });
    expect(slash.status).toBe(412);
    const head = await as('/plain', { method: 'HEAD' });
    expect(head.headers['x-container-meta-kept']).toBe('yes');
    expect(head.headers['x-versions-location']).toBeUndefined();
    expect(head.headers['x-history-location']).toBeUndefined();
    const fresh = await as('/plain2', {
      method: 'PUT',
      headers: { 'X-Versions-Location': 'a', 'X-History-Location': 'b' },
    });
    expect(fresh.status).toBe(400);
    expect((await as('/plain2', { method: 'HEAD' })).status).toBe(404);
  });

  it('refuses to overwrite when the archive container is missing (412)', async () => {
    await as('/orphan', { method: 'PUT', headers: { 'X-Versions-Location': 'no-such-archive' } });
    await putVersion('/orphan/o', 'first');
    const second = await as('/orphan/o', { method: 'PUT', body: 'second' });
    expect(second.status).toBe(412);
    expect((await as('/orphan/o')).text).toBe('first');
    await as('/orphan-h', { method: 'PUT', headers: { 'X-History-Location': 'no-such-archive' } });
    await putVersion('/orphan-h/o', 'first');
    expect((await as('/orphan-h/o', { method: 'DELETE' })).status).toBe(412);
    expect((await as('/orphan-h/o')).text).toBe('first');
  });

  it('needs write access to the archive as well', async () => {
    await as('/acl-archive', { method: 'PUT' });
    await as('/acl', {
      method: 'PUT',
      headers: { 'X-Versions-Location': 'acl-archive', 'X-Container-Write': 'test:tester3' },
    });
    await putVersion('/acl/o', 'owner');
    const denied = await api(tester3, '/acl/o', { method: 'PUT', body: 'tester3' });
    expect(denied.status).toBe(403);
    expect((await as('/acl/o')).text).toBe('owner');
    expect(await listing('acl-archive')).toEqual([]);

    await as('/acl-archive', { method: 'POST', headers: { 'X-Container-Write': 'test:tester3' } });
    const allowed = await api(tester3, '/acl/o', { method: 'PUT', body: 'tester3' });
    expect(allowed.status).toBe(201);
    expect((await as('/acl/o')).text).toBe('tester3');
    expect(await listing('acl-archive')).toHaveLength(1);
    // A write-only user can also pop the previous version back.
    expect((await api(tester3, '/acl/o', { method: 'DELETE' })).status).toBe(204);
    expect((await as('/acl/o')).text).toBe('owner');
  });
});
