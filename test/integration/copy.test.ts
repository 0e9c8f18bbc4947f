/**
 * Server-side copy against a real cluster: COPY with Destination and PUT with X-Copy-From,
 * within and between containers and accounts, metadata carried or replaced, conditions on
 * the source, users allowed only by container ACLs, and bad requests that change nothing.
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
let tester3: Session;

const api = storageRequest;
const as = (path: string, options: Parameters<typeof http>[1] = {}) => api(tester, path, options);
const names = async (session: Session, container: string) =>
  (await api(session, `/${container}`)).text.split('\n').filter(Boolean);

const BODY = 'the quick brown fox jumps over the lazy dog';

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
  tester2 = await login(env.authUrl, 'test2:tester2', 'testing2');
  tester3 = await login(env.authUrl, 'test:tester3', 'testing3');
  for (const c of ['src', 'dst']) expect((await as(`/${c}`, { method: 'PUT' })).status).toBe(201);
  const put = await as('/src/fox', {
    method: 'PUT',
    body: BODY,
    headers: {
      'Content-Type': 'text/x-fox',
      'Content-Disposition': 'attachment; filename=fox.txt',
      'X-Object-Meta-Color': 'brown',
      'X-Object-Meta-Legs': '4',
    },
  });
  expect(put.status).toBe(201);
});

afterAll(async () => {
  await env?.stop();
});

describe('COPY and X-Copy-From', () => {
  it('copies with COPY and Destination, carrying data and metadata', async () => {
    const copied = await as('/src/fox', { method: 'COPY', headers: { Destination: 'dst/fox2' } });
    expect(copied.status).toBe(201);
    expect(copied.headers['x-copied-from']).toBe('src/fox');
    expect(copied.headers['x-copied-from-account']).toBe('AUTH_test');
    expect(copied.headers['x-copied-from-last-modified']).toMatch(/GMT$/);
    expect(copied.headers['x-object-meta-color']).toBe('brown');
    expect(copied.headers.etag).toBe(md5(BODY));
    const got = await as('/dst/fox2');
    expect(got.text).toBe(BODY);
    expect(got.headers['content-type']).toBe('text/x-fox');
    expect(got.headers['content-disposition']).toBe('attachment; filename=fox.txt');
    expect(got.headers['x-object-meta-color']).toBe('brown');
    expect(got.headers['x-object-meta-legs']).toBe('4');
  });

  it('copies with PUT X-Copy-From, merging the request metadata over the source', async () => {
    const copied = await as('/dst/fox3', {
      method: 'PUT',
      headers: {
        'X-Copy-From': '/src/fox',
        'Content-Length': '0',
        'X-Object-Meta-Color': 'red',
        'X-Object-Meta-Tail': 'long',
        'Content-Type': 'text/plain',
      },
    });
    expect(copied.status).toBe(201);
    const got = await as('/dst/fox3');
    expect(got.text).toBe(BODY);
    expect(got.headers['x-object-meta-color']).toBe('red');
    expect(got.headers['x-object-meta-legs']).toBe('4');
    expect(got.headers['x-object-meta-tail']).toBe('long');
    expect(got.headers['content-type']).toBe('text/plain');
  });

  it('replaces the metadata with X-Fresh-Metadata', async () => {
    const copied = await as('/src/fox', {
      method: 'COPY',
      headers: {
        Destination: '/dst/fresh',
        'X-Fresh-Metadata': 'true',
        'X-Object-Meta-New': 'yes',
      },
    });
    expect(copied.status).toBe(201);
    const got = await as('/dst/fresh');
    expect(got.text).toBe(BODY);
    expect(got.headers['x-object-meta-new']).toBe('yes');
    expect(got.headers['x-object-meta-color']).toBeUndefined();
    expect(got.headers['x-object-meta-legs']).toBeUndefined();
    expect(got.headers['content-disposition']).toBeUndefined();
    expect(got.headers['content-type']).toBe('text/x-fox');
  });

  it('changes an object’s metadata by copying it onto itself', async () => {
    await as('/src/self', { method: 'PUT', body: 'self', headers: { 'X-Object-Meta-A': '1' } });
    const copied = await as('/src/self', {
      method: 'COPY',
      headers: { Destination: 'src/self', 'X-Object-Meta-B': '2' },
    });
    expect(copied.status).toBe(201);
    const got = await as('/src/self');
    expect(got.text).toBe('self');
    expect(got.headers['x-object-meta-a']).toBe('1');
    expect(got.headers['x-object-meta-b']).toBe('2');
  });

  it('honours Range and conditions on the source', async () => {
    const partial = await as('/dst/part', {
      method: 'PUT',
      headers: { 'X-Copy-From': 'src/fox', 'Content-Length': '0', Range: 'bytes=4-8' },
    });
    expect(partial.status).toBe(201);
    expect((await as('/dst/part')).text).toBe('quick');

    const refused = await as('/dst/cond', {
      method: 'PUT',
      headers: { 'X-Copy-From': 'src/fox', 'Content-Length': '0', 'If-Match': md5('other') },
    });
    expect(refused.status).toBe(412);
    expect((await as('/dst/cond')).status).toBe(404);
    const allowed = await as('/dst/cond', {
      method: 'PUT',
      headers: { 'X-Copy-From': 'src/fox', 'Content-Length': '0', 'If-Match': md5(BODY) },
    });
    expect(allowed.status).toBe(201);
  });

  it('answers 404 for a missing source and creates nothing', async () => {
    const copied = await as('/src/nothing-here', {
      method: 'COPY',
      headers: { Destination: 'dst/ghost' },
    });
    expect(copied.status).toBe(404);
    const put = await as('/dst/ghost2', {
      method: 'PUT',
      headers: { 'X-Copy-From': 'nosuchcontainer/x', 'Content-Length': '0' },
    });
    expect(put.status).toBe(404);
    expect(await names(tester, 'dst')).not.toContain('ghost');
    expect(await names(tester, 'dst')).not.toContain('ghost2');
  });

  it('refuses bad copy requests as Swift does, changing nothing', async () => {
    const before = await names(tester, 'dst');
    const noDestination = await as('/src/fox', { method: 'COPY' });
    expect(noDestination.status).toBe(412);
    expect(noDestination.text).toBe('Destination header required');
    const badDestination = await as('/src/fox', {
      method: 'COPY',
      headers: { Destination: 'just-a-container' },
    });
    expect(badDestination.status).toBe(412);
    expect(badDestination.text).toBe(
      'Destination header must be of the form <container name>/<object name>',
    );
    const badSource = await as('/dst/x', {
      method: 'PUT',
      headers: { 'X-Copy-From': '/onlycontainer', 'Content-Length': '0' },
    });
    expect(badSource.status).toBe(412);
    const withBody = await as('/dst/x', {
      method: 'PUT',
      body: 'data',
      headers: { 'X-Copy-From': 'src/fox' },
    });
    expect(withBody.status).toBe(400);
    expect(withBody.text).toBe('Copy requests require a zero byte body');
    const badAccount = await as('/src/fox', {
      method: 'COPY',
      headers: { Destination: 'dst/x', 'Destination-Account': 'a/b' },
    });
    expect(badAccount.status).toBe(412);
    expect(await names(tester, 'dst')).toEqual(before);
  });

  it('copies a manifest as a manifest with ?multipart-manifest=get, as data otherwise', async () => {
    await as('/segs', { method: 'PUT' });
    await as('/segs/m/1', { method: 'PUT', body: 'aaa' });
    await as('/segs/m/2', { method: 'PUT', body: 'bbb' });
    await as('/src/dlo', {
      method: 'PUT',
      body: '',
      headers: { 'X-Object-Manifest': 'segs/m/' },
    });
    const asManifest = await as('/src/dlo?multipart-manifest=get', {
      method: 'COPY',
      headers: { Destination: 'dst/dlo-manifest' },
    });
    expect(asManifest.status).toBe(201);
    const head = await as('/dst/dlo-manifest?multipart-manifest=get', { method: 'HEAD' });
    expect(head.headers['x-object-manifest']).toBe('segs/m/');

    // Without the parameter the data as a GET returns it is copied, and no manifest.
    const asData = await as('/src/dlo', {
      method: 'COPY',
      headers: { Destination: 'dst/dlo-data' },
    });
    expect(asData.status).toBe(201);
    const copiedData = await as('/dst/dlo-data');
    expect(copiedData.headers['x-object-manifest']).toBeUndefined();
    expect(copiedData.text).toBe((await as('/src/dlo')).text);
  });
});

describe('copy across accounts and with ACLs', () => {
  it('needs rights on both sides, then copies between accounts', async () => {
    expect((await api(tester2, '/inbox', { method: 'PUT' })).status).toBe(201);
    const denied = await as('/src/fox', {
      method: 'COPY',
      headers: { Destination: 'inbox/fox', 'Destination-Account': 'AUTH_test2' },
    });
    expect(denied.status).toBe(403);
    expect(await names(tester2, 'inbox')).toEqual([]);

    await api(tester2, '/inbox', {
      method: 'POST',
      headers: { 'X-Container-Write': 'test:tester' },
    });
    const copied = await as('/src/fox', {
      method: 'COPY',
      headers: { Destination: 'inbox/fox', 'Destination-Account': 'AUTH_test2' },
    });
    expect(copied.status).toBe(201);
    expect(copied.headers['x-copied-from-account']).toBe('AUTH_test');
    const got = await api(tester2, '/inbox/fox');
    expect(got.text).toBe(BODY);
    expect(got.headers['x-object-meta-color']).toBe('brown');

    // And back again with X-Copy-From-Account, reading what tester2 shares.
    await api(tester2, '/inbox', {
      method: 'POST',
      headers: { 'X-Container-Read': 'test:tester' },
    });
    const back = await as('/dst/from-test2', {
      method: 'PUT',
      headers: {
        'X-Copy-From': 'inbox/fox',
        'X-Copy-From-Account': 'AUTH_test2',
        'Content-Length': '0',
      },
    });
    expect(back.status).toBe(201);
    expect(back.headers['x-copied-from-account']).toBe('AUTH_test2');
    expect((await as('/dst/from-test2')).text).toBe(BODY);
  });

  it('lets a user allowed only by container ACLs COPY between containers', async () => {
    await as('/shared-in', { method: 'PUT', headers: { 'X-Container-Read': 'test:tester3' } });
    await as('/shared-out', { method: 'PUT' });
    await as('/shared-in/doc', { method: 'PUT', body: 'acl copy' });

    const noWrite = await api(tester3, '/shared-in/doc', {
      method: 'COPY',
      headers: { Destination: 'shared-out/doc' },
    });
    expect(noWrite.status).toBe(403);
    expect(await names(tester, 'shared-out')).toEqual([]);

    await as('/shared-out', { method: 'POST', headers: { 'X-Container-Write': 'test:tester3' } });
    const copied = await api(tester3, '/shared-in/doc', {
      method: 'COPY',
      headers: { Destination: 'shared-out/doc' },
    });
    expect(copied.status).toBe(201);
    expect((await as('/shared-out/doc')).text).toBe('acl copy');

    // Reading the source still needs the read ACL.
    const noRead = await api(tester3, '/src/fox', {
      method: 'COPY',
      headers: { Destination: 'shared-out/fox' },
    });
    expect(noRead.status).toBe(403);
    expect(await names(tester, 'shared-out')).toEqual(['doc']);
  });
});
