/**
 * The Swift API end to end through the proxy: TempAuth, accounts, containers, objects,
 * listings, metadata, and the bad input a public API must refuse cleanly.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../helpers/http.js';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';
import { SERVER_V8_FLAGS } from '../../common/server-flags.js';

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

let env: TestCluster;
let tester: Session;

const api = (path: string, options: Parameters<typeof http>[1] = {}, session: Session = tester) =>
  http(`${session.storageUrl}${path}`, {
    ...options,
    headers: { 'X-Auth-Token': session.token, ...options.headers },
  });

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
});

afterAll(async () => {
  await env?.stop();
});

describe('service endpoints', () => {
  it('answers /healthcheck and /info without a token', async () => {
    const health = await http(`${env.proxyUrl}/healthcheck`);
    expect(health.status).toBe(200);
    expect(health.text).toBe('OK');
    const info = await http(`${env.proxyUrl}/info`);
    expect(info.status).toBe(200);
    const body = JSON.parse(info.text) as {
      swift: Record<string, unknown>;
      tempauth: Record<string, unknown>;
    };
    expect(body.swift).toMatchObject({
      max_file_size: 5368709122,
      container_listing_limit: 10000,
      max_meta_count: 90,
    });
    expect(body.tempauth).toEqual({ account_acls: true });
  });

  it('runs the proxy and the storage nodes with the server V8 flags', async () => {
    const { layout } = env.cluster;
    const cmdline = readFileSync(`/proc/${env.cluster.proxyPid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toEqual(expect.arrayContaining([...SERVER_V8_FLAGS]));
    for (const log of [layout.proxy.logPath, ...layout.nodes.map((node) => node.logPath)])
      expect(readFileSync(log, 'utf8')).not.toContain('started without');
  });

  it('puts a transaction id on every response, errors included', async () => {
    for (const reply of [
      await http(`${env.proxyUrl}/info`),
      await http(`${env.proxyUrl}/nowhere`),
      await api('/c-missing/o'),
    ]) {
      expect(reply.headers['x-trans-id']).toMatch(/^tx[0-9a-f]{21}-[0-9a-f]{10}$/);
      expect(reply.headers['x-openstack-request-id']).toBe(reply.headers['x-trans-id']);
    }
  });
});

describe('TempAuth', () => {
  it('issues tokens and a storage URL', async () => {
    const reply = await http(env.authUrl, {
      headers: { 'X-Storage-User': 'test:tester', 'X-Storage-Pass': 'testing' },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-auth-token']).toMatch(/^AUTH_tk/);
    expect(reply.headers['x-storage-token']).toBe(reply.headers['x-auth-token']);
    expect(reply.headers['x-storage-url']).toBe(`${env.proxyUrl}/v1/AUTH_test`);
    expect(Number(reply.headers['x-auth-token-expires'])).toBeGreaterThan(80_000);
  });

  it('refuses wrong keys, unknown users, bad and missing tokens', async () => {
    expect(
      (
        await http(env.authUrl, {
          headers: { 'X-Auth-User': 'test:tester', 'X-Auth-Key': 'wrong' },
        })
      ).status,
    ).toBe(401);
    expect(
      (await http(env.authUrl, { headers: { 'X-Auth-User': 'nobody:x', 'X-Auth-Key': 'x' } }))
        .status,
    ).toBe(401);
    expect((await http(`${tester.storageUrl}`, {})).status).toBe(401);
    const forged = `${tester.token.slice(0, -4)}AAAA`;
    expect(
      (await http(`${tester.storageUrl}`, { headers: { 'X-Auth-Token': forged } })).status,
    ).toBe(401);
    expect(
      (await http(`${tester.storageUrl}`, { headers: { 'X-Auth-Token': 'AUTH_tknonsense' } }))
        .status,
    ).toBe(401);
  });

  it("gives 403 on another account's data", async () => {
    const other = await login(env.authUrl, 'test2:tester2', 'testing2');
    expect((await api('/mine', { method: 'PUT' }, other)).status).toBe(201);
    const intruder = { ...tester, storageUrl: other.storageUrl };
    expect((await api('', {}, intruder)).status).toBe(403);
    expect((await api('/mine', {}, intruder)).status).toBe(403);
    expect((await api('/mine/x', { method: 'PUT', body: 'x' }, intruder)).status).toBe(403);
  });

  it('lets a reseller admin into every account', async () => {
    const reseller = await login(env.authUrl, 'test5:tester5', 'testing5');
    expect(
      (await api('', { method: 'HEAD' }, { ...reseller, storageUrl: tester.storageUrl })).status,
    ).toBe(204);
  });
});

describe('accounts, containers and objects', () => {
  it('creates the account on first use and counts what it holds', async () => {
    const fresh = await login(env.authUrl, 'test5:tester5', 'testing5');
    const head = await api('', { method: 'HEAD' }, fresh);
    expect(head.status).toBe(204);
    expect(head.headers['x-account-container-count']).toBe('0');
    expect((await api('/things', { method: 'PUT' }, fresh)).status).toBe(201);
    expect((await api('/things', { method: 'PUT' }, fresh)).status).toBe(202);
    const listing = await api('?format=json', {}, fresh);
    expect(JSON.parse(listing.text)).toEqual([
      expect.objectContaining({ name: 'things', count: 0, bytes: 0 }),
    ]);
  });

  it('stores, lists, reads and deletes objects, with read-your-writes listings', async () => {
    expect((await api('/photos', { method: 'PUT' })).status).toBe(201);
    const body = 'a photo of a cat';
    const put = await api('/photos/cats/tom.jpg', {
      method: 'PUT',
      body,
      headers: { 'X-Object-Meta-Color': 'grey' },
    });
    expect(put.status).toBe(201);
    expect(put.headers.etag).toBe(md5(body));
    const listing = await api('/photos?format=json');
    expect(JSON.parse(listing.text)).toEqual([
      expect.objectContaining({
        name: 'cats/tom.jpg',
        bytes: body.length,
        hash: md5(body),
        content_type: 'image/jpeg',
      }),
    ]);
    const got = await api('/photos/cats/tom.jpg');
    expect(got.status).toBe(200);
    expect(got.text).toBe(body);
    expect(got.headers['x-object-meta-color']).toBe('grey');
    expect(got.headers['content-type']).toBe('image/jpeg');
    const head = await api('/photos', { method: 'HEAD' });
    expect(head.headers['x-container-object-count']).toBe('1');
    expect(head.headers['x-container-bytes-used']).toBe(String(body.length));
    expect((await api('/photos/cats/tom.jpg', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/photos/cats/tom.jpg')).status).toBe(404);
    expect((await api('/photos?format=json')).text).toBe('[]');
    expect((await api('/photos')).status).toBe(204);
  });

  it('lists with prefix and delimiter in every format', async () => {
    await api('/docs', { method: 'PUT' });
    for (const name of ['a/1.txt', 'a/2.txt', 'b/1.txt', 'top.txt'])
      await api(`/docs/${name}`, { method: 'PUT', body: name });
    expect((await api('/docs?delimiter=/')).text).toBe('a/\nb/\ntop.txt\n');
    expect((await api('/docs?prefix=a/')).text).toBe('a/1.txt\na/2.txt\n');
    expect(JSON.parse((await api('/docs?delimiter=/&format=json')).text)).toEqual([
      { subdir: 'a/' },
      { subdir: 'b/' },
      expect.objectContaining({ name: 'top.txt' }),
    ]);
    const xml = await api('/docs?prefix=b/&format=xml');
    expect(xml.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(xml.text).toContain('<container name="docs"><object><name>b/1.txt</name>');
    expect((await api('/docs?limit=2&marker=a/1.txt')).text).toBe('a/2.txt\nb/1.txt\n');
  });

  it('brings object counts to the account soon after uploads', async () => {
    const fresh = await login(env.authUrl, 'test2:tester2', 'testing2');
    await api('/counted', { method: 'PUT' }, fresh);
    await api('/counted/a', { method: 'PUT', body: '12345' }, fresh);
    await api('/counted/b', { method: 'PUT', body: '123' }, fresh);
    const deadline = Date.now() + 5000;
    let head = await api('', { method: 'HEAD' }, fresh);
    while (head.headers['x-account-object-count'] !== '2' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      head = await api('', { method: 'HEAD' }, fresh);
    }
    expect(head.headers['x-account-object-count']).toBe('2');
    expect(head.headers['x-account-bytes-used']).toBe('8');
  });

  it('merges container and account metadata, and removes keys with X-Remove-*', async () => {
    await api('/meta', { method: 'PUT', headers: { 'X-Container-Meta-One': '1' } });
    await api('/meta', { method: 'POST', headers: { 'X-Container-Meta-Two': '2' } });
    let head = await api('/meta', { method: 'HEAD' });
    expect(head.headers['x-container-meta-one']).toBe('1');
    expect(head.headers['x-container-meta-two']).toBe('2');
    await api('/meta', { method: 'POST', headers: { 'X-Remove-Container-Meta-One': 'x' } });
    head = await api('/meta', { method: 'HEAD' });
    expect(head.headers['x-container-meta-one']).toBeUndefined();
    expect(
      (await api('', { method: 'POST', headers: { 'X-Account-Meta-Team': 'blue' } })).status,
    ).toBe(204);
    expect((await api('', { method: 'HEAD' })).headers['x-account-meta-team']).toBe('blue');
  });

  it('replaces object metadata on POST', async () => {
    await api('/meta/o', { method: 'PUT', body: 'x', headers: { 'X-Object-Meta-A': '1' } });
    expect(
      (await api('/meta/o', { method: 'POST', headers: { 'X-Object-Meta-B': '2' } })).status,
    ).toBe(202);
    const head = await api('/meta/o', { method: 'HEAD' });
    expect(head.headers['x-object-meta-a']).toBeUndefined();
    expect(head.headers['x-object-meta-b']).toBe('2');
  });

  it('detects the content type from the name, and on request', async () => {
    await api('/types', { method: 'PUT' });
    await api('/types/page.html', { method: 'PUT', body: '<p>' });
    expect((await api('/types/page.html', { method: 'HEAD' })).headers['content-type']).toBe(
      'text/html',
    );
    await api('/types/x.json', {
      method: 'PUT',
      body: '{}',
      headers: { 'Content-Type': 'text/plain', 'X-Detect-Content-Type': 'true' },
    });
    expect((await api('/types/x.json', { method: 'HEAD' })).headers['content-type']).toBe(
      'application/json',
    );
    await api('/types/noext', { method: 'PUT', body: 'x' });
    expect((await api('/types/noext', { method: 'HEAD' })).headers['content-type']).toBe(
      'application/octet-stream',
    );
  });

  it('serves ranges and conditional requests', async () => {
    await api('/r', { method: 'PUT' });
    await api('/r/o', { method: 'PUT', body: '0123456789' });
    const part = await api('/r/o', { headers: { Range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(part.text).toBe('234');
    expect((await api('/r/o', { headers: { Range: 'bytes=20-30' } })).status).toBe(416);
    expect((await api('/r/o', { headers: { 'If-None-Match': md5('0123456789') } })).status).toBe(
      304,
    );
    expect((await api('/r/o', { headers: { 'If-Match': 'nope' } })).status).toBe(412);
    expect((await api('/r/o', { headers: { 'X-Newest': 'true' } })).text).toBe('0123456789');
  });

  it('deletes an empty container and refuses a full one', async () => {
    await api('/full', { method: 'PUT' });
    await api('/full/o', { method: 'PUT', body: 'x' });
    expect((await api('/full', { method: 'DELETE' })).status).toBe(409);
    await api('/full/o', { method: 'DELETE' });
    expect((await api('/full', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/full', { method: 'HEAD' })).status).toBe(404);
  });
});

describe('ACLs', () => {
  it('keeps a plain user out until an ACL lets them in', async () => {
    const plain = await login(env.authUrl, 'test:tester3', 'testing3');
    await api('/shared', { method: 'PUT' });
    await api('/shared/o', { method: 'PUT', body: 'shared data' });
    expect((await api('/shared/o', {}, plain)).status).toBe(403);
    await api('/shared', { method: 'POST', headers: { 'X-Container-Read': 'test:tester3' } });
    expect((await api('/shared/o', {}, plain)).text).toBe('shared data');
    expect((await api('/shared/o2', { method: 'PUT', body: 'x' }, plain)).status).toBe(403);
    const head = await api('/shared', { method: 'HEAD' }, plain);
    expect(head.headers['x-container-read']).toBeUndefined();
    expect((await api('/shared', { method: 'HEAD' })).headers['x-container-read']).toBe(
      'test:tester3',
    );
  });

  it('serves public containers to anonymous readers', async () => {
    await api('/public', { method: 'PUT', headers: { 'X-Container-Read': '.r:*' } });
    await api('/public/hello', { method: 'PUT', body: 'hi' });
    expect((await http(`${tester.storageUrl}/public/hello`)).text).toBe('hi');
    expect((await http(`${tester.storageUrl}/public`)).status).toBe(401);
  });
});

describe('bad input', () => {
  it('refuses oversized metadata and over-long names with 400', async () => {
    await api('/bad', { method: 'PUT' });
    expect(
      (
        await api('/bad/o', {
          method: 'PUT',
          body: 'x',
          headers: { 'X-Object-Meta-Big': 'v'.repeat(257) },
        })
      ).status,
    ).toBe(400);
    expect((await api(`/bad/${'n'.repeat(1025)}`, { method: 'PUT', body: 'x' })).status).toBe(400);
    expect((await api(`/${'c'.repeat(257)}`, { method: 'PUT' })).status).toBe(400);
    expect(
      (
        await api('/bad', {
          method: 'POST',
          headers: { [`X-Container-Meta-${'k'.repeat(129)}`]: 'v' },
        })
      ).status,
    ).toBe(400);
  });

  it('refuses NUL and invalid UTF-8 in names with 412', async () => {
    expect((await api('/bad/a%00b', { method: 'PUT', body: 'x' })).status).toBe(412);
    expect((await api('/bad/%ff', { method: 'PUT', body: 'x' })).status).toBe(412);
  });

  it('requires a Content-Length (411)', async () => {
    const { hostname, port, pathname } = new URL(`${tester.storageUrl}/bad/nolength`);
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write(
          `PUT ${pathname} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${tester.token}\r\nConnection: close\r\n\r\n`,
        ),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 411 /);
  });

  it('refuses a wrong ETag with 422 and keeps nothing', async () => {
    const reply = await api('/bad/etag', {
      method: 'PUT',
      body: 'content',
      headers: { ETag: md5('other') },
    });
    expect(reply.status).toBe(422);
    expect((await api('/bad/etag')).status).toBe(404);
  });

  it('keeps nothing from a client that disconnects mid-upload', async () => {
    const { hostname, port, pathname } = new URL(`${tester.storageUrl}/bad/cut`);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `PUT ${pathname} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${tester.token}\r\nContent-Length: 1000000\r\n\r\n`,
        );
        socket.write(Buffer.alloc(100_000, 1));
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 200);
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await api('/bad/cut')).status).toBe(404);
    expect((await api('/bad?prefix=cut')).status).toBe(204);
  });

  it('answers 404 for objects in a container that does not exist', async () => {
    expect((await api('/no-such-container/o', { method: 'PUT', body: 'x' })).status).toBe(404);
  });
});
