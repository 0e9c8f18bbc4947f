/**
 * The object server over real HTTP, on real files and xattrs, in real storage-node processes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAsyncPendings } from '../../storage-node/async-pending.js';
import { http, ts } from '../helpers/http.js';
import { StorageCluster } from '../helpers/storage-cluster.js';

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

let cluster: StorageCluster;
let counter = 0;

/** A fresh object name, its backend URL on node 0, and its hash folder. */
function object(name = `obj-${++counter}`) {
  const partition = cluster.rings.object.getPartition('AUTH_test', 'c', name);
  const hash = cluster.hasher.hashPath('AUTH_test', 'c', name);
  return {
    name,
    url: `${cluster.url(0, 'object')}/sdb1/${partition}/AUTH_test/c/${encodeURIComponent(name)}`,
    hashDir: join(cluster.devicePath(0), 'objects', String(partition), hash.slice(-3), hash),
  };
}

async function put(url: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return http(url, {
    method: 'PUT',
    body,
    headers: { 'X-Timestamp': ts(), 'Content-Type': 'text/plain', ...headers },
  });
}

async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

beforeAll(async () => {
  cluster = await StorageCluster.start({ nodes: 1, replicas: 1 });
});

afterAll(async () => {
  await cluster?.stop();
});

describe('object PUT and GET', () => {
  it('stores and returns an object with its metadata', async () => {
    const { url, hashDir } = object();
    const body = 'hello, stratus';
    const stamp = ts();
    const created = await put(url, body, {
      'X-Timestamp': stamp,
      'X-Object-Meta-Color': 'blue',
      'Content-Disposition': 'inline',
    });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBe(md5(body));
    const got = await http(url);
    expect(got.status).toBe(200);
    expect(got.text).toBe(body);
    expect(got.headers).toMatchObject({
      etag: md5(body),
      'content-type': 'text/plain',
      'content-length': String(body.length),
      'x-object-meta-color': 'blue',
      'content-disposition': 'inline',
      'x-timestamp': stamp,
      'accept-ranges': 'bytes',
    });
    expect(new Date(got.headers['last-modified']!).getTime() / 1000).toBe(Math.ceil(Number(stamp)));
    const head = await http(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(body.length));
    expect(head.body.length).toBe(0);
    expect(await filesIn(hashDir)).toEqual([`${stamp}.data`]);
  });

  it('accepts chunked uploads of unknown length', async () => {
    const { url } = object();
    function* chunks() {
      for (let i = 0; i < 50; i++) yield Buffer.alloc(10_000, i);
    }
    const created = await http(url, {
      method: 'PUT',
      body: chunks(),
      headers: { 'X-Timestamp': ts(), 'Content-Type': 'application/octet-stream' },
    });
    expect(created.status).toBe(201);
    const got = await http(url);
    expect(got.body.length).toBe(500_000);
    expect(md5(got.body)).toBe(created.headers.etag);
  });

  it('refuses a body that does not match the client ETag, keeping nothing', async () => {
    const { url, hashDir } = object();
    const reply = await put(url, 'the real body', { ETag: md5('another body') });
    expect(reply.status).toBe(422);
    expect((await http(url)).status).toBe(404);
    expect(await filesIn(hashDir)).toEqual([]);
    expect(await filesIn(join(cluster.devicePath(0), 'tmp'))).toEqual([]);
    expect((await put(url, 'the real body', { ETag: `"${md5('the real body')}"` })).status).toBe(
      201,
    );
  });

  it('lets the newest timestamp win and answers an older write with 409', async () => {
    const { url } = object();
    const newer = ts(10);
    expect((await put(url, 'newer', { 'X-Timestamp': newer })).status).toBe(201);
    const stale = await put(url, 'older', { 'X-Timestamp': ts() });
    expect(stale.status).toBe(409);
    expect(stale.headers['x-backend-timestamp']).toBe(newer);
    expect((await put(url, 'same', { 'X-Timestamp': newer })).status).toBe(409);
    expect((await http(url)).text).toBe('newer');
  });

  it('answers bad requests with Swift statuses', async () => {
    const { url } = object();
    expect(
      (await http(url, { method: 'PUT', body: 'x', headers: { 'Content-Type': 'text/plain' } }))
        .text,
    ).toBe('Missing X-Timestamp header');
    expect(
      (
        await http(url, {
          method: 'PUT',
          body: 'x',
          headers: { 'Content-Type': 'text/plain', 'X-Timestamp': 'yesterday' },
        })
      ).status,
    ).toBe(400);
    expect(
      (await http(url, { method: 'PUT', body: 'x', headers: { 'X-Timestamp': ts() } })).text,
    ).toBe('No content type');
    const bigMeta = await put(url, 'x', { 'X-Object-Meta-Big': 'v'.repeat(257) });
    expect(bigMeta.status).toBe(400);
    expect(bigMeta.text).toBe('Metadata value longer than 256: x-object-meta-big');
    expect((await put(url, 'x', { 'X-Delete-At': '1000' })).text).toBe('X-Delete-At in past');
    expect((await http(url, { method: 'PATCH' })).status).toBe(405);
  });

  it('requires a length or chunked encoding (411)', async () => {
    const { url } = object();
    const reply = await rawRequest(
      url,
      `PUT ${new URL(url).pathname} HTTP/1.1\r\nHost: x\r\nX-Timestamp: ${ts()}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 411 /);
  });

  it('validates every path part: 400 for bad paths, 507 for a missing device', async () => {
    const base = cluster.url(0, 'object');
    expect((await http(`${base}/sdb1/99999/AUTH_test/c/o`)).status).toBe(400);
    expect((await http(`${base}/sdb1/-1/AUTH_test/c/o`)).status).toBe(400);
    expect((await http(`${base}/sdb1/abc/AUTH_test/c/o`)).status).toBe(400);
    expect((await http(`${base}/%2E%2E/0/AUTH_test/c/o`)).status).toBe(400);
    expect((await http(`${base}/sdb1/0/AUTH_test/c`)).status).toBe(400);
    expect((await http(`${base}/sdb1/0/AUTH_test/c/bad%ZZname`)).status).toBe(400);
    expect((await http(`${base}/sdb1/0/AUTH_test/c/nul%00name`)).status).toBe(400);
    expect((await http(`${base}/sdb9/0/AUTH_test/c/o`)).status).toBe(507);
  });

  it('keeps object names with slashes and unicode', async () => {
    const { url } = object('photos/2024/ünïcødé ☃.txt');
    expect((await put(url, 'snow')).status).toBe(201);
    expect((await http(url)).text).toBe('snow');
  });

  it('falls back to a metadata file when the metadata outgrows the xattr', async () => {
    const { url, hashDir } = object();
    const meta: Record<string, string> = {};
    for (let i = 0; i < 16; i++)
      meta[`X-Object-Meta-K${String(i).padStart(3, '0')}`] = 'v'.repeat(250);
    expect((await put(url, 'big metadata', meta)).status).toBe(201);
    const files = await filesIn(hashDir);
    expect(files.some((f) => f.endsWith('.data.json'))).toBe(true);
    const got = await http(url);
    expect(got.headers['x-object-meta-k015']).toBe('v'.repeat(250));
    expect(got.text).toBe('big metadata');
  });
});

describe('cut and stalled uploads', () => {
  it('leaves nothing visible when the client disconnects mid-body', async () => {
    const { url, hashDir } = object();
    const { hostname, port, pathname } = new URL(url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `PUT ${pathname} HTTP/1.1\r\nHost: x\r\nX-Timestamp: ${ts()}\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n`,
        );
        socket.write(Buffer.alloc(5000, 1));
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
    });
    await waitFor(async () => (await filesIn(join(cluster.devicePath(0), 'tmp'))).length === 0);
    expect((await http(url)).status).toBe(404);
    expect(await filesIn(hashDir)).toEqual([]);
  });
});

describe('reads cut short', () => {
  /** Open descriptors of node 0's process on `path`. */
  function openHandles(path: string): number {
    const pid = readdirSync('/proc').find((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(cluster.node(0).confPath);
      } catch {
        return false;
      }
    });
    if (!pid) throw new Error('storage node process not found');
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false; // closed meanwhile
      }
    }).length;
  }

  it.each([
    ['a whole body', ''],
    ['a range', 'Range: bytes=1000-6000000\r\n'],
  ])('closes the file when the client goes away during %s', async (_what, range) => {
    const { url, hashDir } = object();
    const body = randomBytes(6 * 1024 * 1024);
    expect((await put(url, body)).status).toBe(201);
    const data = join(hashDir, (await filesIn(hashDir))[0]!);
    const { hostname, port, pathname } = new URL(url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () =>
        socket.write(`GET ${pathname} HTTP/1.1\r\nHost: x\r\n${range}\r\n`),
      );
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 100_000) {
          socket.destroy();
          resolve();
        }
      });
      socket.on('error', reject);
    });
    await waitFor(async () => openHandles(data) === 0);
  });
});

describe('Expect: 100-continue', () => {
  it('sends 100 Continue before reading the body, and refuses a conflict without it', async () => {
    const { url } = object();
    const first = await expectContinuePut(url, ts(100), 'first');
    expect(first).toEqual({ continued: true, status: 201 });
    const conflict = await expectContinuePut(url, ts(), 'older');
    expect(conflict).toEqual({ continued: false, status: 409 });
  });
});

describe('ranges and conditions', () => {
  const body = '0123456789abcdefghij';
  let url: string;
  beforeAll(async () => {
    url = object().url;
    await put(url, body);
  });

  it('serves single, suffix and open-ended ranges', async () => {
    const single = await http(url, { headers: { Range: 'bytes=2-5' } });
    expect(single.status).toBe(206);
    expect(single.text).toBe('2345');
    expect(single.headers['content-range']).toBe('bytes 2-5/20');
    expect((await http(url, { headers: { Range: 'bytes=-3' } })).text).toBe('hij');
    expect((await http(url, { headers: { Range: 'bytes=15-' } })).text).toBe('fghij');
    expect((await http(url, { headers: { Range: 'bytes=18-100' } })).text).toBe('ij');
    expect((await http(url, { headers: { Range: 'bytes=junk' } })).status).toBe(200);
  });

  it('serves several ranges as multipart/byteranges', async () => {
    const reply = await http(url, { headers: { Range: 'bytes=0-1,-2' } });
    expect(reply.status).toBe(206);
    const boundary = /boundary=(\w+)/.exec(reply.headers['content-type']!)![1]!;
    expect(reply.text).toBe(
      `--${boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/20\r\n\r\n01\r\n` +
        `--${boundary}\r\nContent-Type: text/plain\r\nContent-Range: bytes 18-19/20\r\n\r\nij\r\n--${boundary}--`,
    );
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
  });

  it('answers 416 for a range past the end', async () => {
    const reply = await http(url, { headers: { Range: 'bytes=50-60' } });
    expect(reply.status).toBe(416);
    expect(reply.headers['content-range']).toBe('bytes */20');
  });

  it('honours If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since', async () => {
    const etag = md5(body);
    expect((await http(url, { headers: { 'If-None-Match': `"${etag}"` } })).status).toBe(304);
    expect((await http(url, { headers: { 'If-None-Match': '*' } })).status).toBe(304);
    expect((await http(url, { headers: { 'If-Match': etag } })).status).toBe(200);
    expect((await http(url, { headers: { 'If-Match': '"nope"' } })).status).toBe(412);
    const future = new Date(Date.now() + 86_400_000).toUTCString();
    const past = new Date(Date.now() - 86_400_000).toUTCString();
    expect((await http(url, { headers: { 'If-Modified-Since': future } })).status).toBe(304);
    expect((await http(url, { headers: { 'If-Modified-Since': past } })).status).toBe(200);
    expect((await http(url, { headers: { 'If-Unmodified-Since': past } })).status).toBe(412);
    expect((await http(url, { method: 'HEAD', headers: { 'If-None-Match': etag } })).status).toBe(
      304,
    );
  });

  it('refuses If-None-Match: * on PUT when the object exists', async () => {
    expect((await put(url, 'x', { 'If-None-Match': '*' })).status).toBe(412);
  });
});

describe('POST and DELETE', () => {
  it('replaces user metadata with a newer .meta', async () => {
    const { url, hashDir } = object();
    await put(url, 'data', { 'X-Object-Meta-Old': 'yes', 'X-Timestamp': ts(-10) });
    const posted = await http(url, {
      method: 'POST',
      headers: { 'X-Timestamp': ts(), 'X-Object-Meta-New': 'yes', 'Content-Type': 'text/x-new' },
    });
    expect(posted.status).toBe(202);
    const got = await http(url);
    expect(got.headers['x-object-meta-new']).toBe('yes');
    expect(got.headers['x-object-meta-old']).toBeUndefined();
    expect(got.headers['content-type']).toBe('text/x-new');
    expect(got.text).toBe('data');
    expect((await filesIn(hashDir)).map((f) => f.split('.').pop())).toEqual(['data', 'meta']);
    expect((await http(url, { method: 'POST', headers: { 'X-Timestamp': ts(-5) } })).status).toBe(
      409,
    );
    expect(
      (await http(object().url, { method: 'POST', headers: { 'X-Timestamp': ts() } })).status,
    ).toBe(404);
  });

  it('deletes with a tombstone that beats older writes', async () => {
    const { url, hashDir } = object();
    await put(url, 'data', { 'X-Timestamp': ts(-10) });
    const stamp = ts();
    expect((await http(url, { method: 'DELETE', headers: { 'X-Timestamp': stamp } })).status).toBe(
      204,
    );
    const gone = await http(url);
    expect(gone.status).toBe(404);
    expect(gone.headers['x-backend-timestamp']).toBe(stamp);
    expect(await filesIn(hashDir)).toEqual([`${stamp}.ts`]);
    expect((await put(url, 'resurrected?', { 'X-Timestamp': ts(-5) })).status).toBe(409);
    expect((await http(url, { method: 'DELETE', headers: { 'X-Timestamp': ts(1) } })).status).toBe(
      404,
    );
  });

  it('hides an object once X-Delete-At has passed', async () => {
    const { url } = object();
    const at = Math.floor(Date.now() / 1000) + 2;
    await put(url, 'short-lived', { 'X-Delete-At': String(at) });
    expect((await http(url)).headers['x-delete-at']).toBe(String(at));
    await waitFor(async () => (await http(url)).status === 404, 5000);
    expect(
      (
        await http(url, {
          method: 'DELETE',
          headers: { 'X-Timestamp': ts(), 'X-If-Delete-At': String(at + 1) },
        })
      ).status,
    ).toBe(412);
    expect(
      (
        await http(url, {
          method: 'DELETE',
          headers: { 'X-Timestamp': ts(), 'X-If-Delete-At': String(at) },
        })
      ).status,
    ).toBe(404);
  });
});

describe('damaged objects', () => {
  it('quarantines a .data file whose bytes rotted, never serving it whole', async () => {
    const { url, hashDir } = object();
    const body = Buffer.alloc(200_000, 7);
    await put(url, body);
    const [dataFile] = await filesIn(hashDir);
    const path = join(hashDir, dataFile!);
    const rotten = await readFile(path);
    rotten[150_000] = 0;
    await writeFile(path, rotten); // same size, same xattr
    const got = await http(url).catch((err: Error) => err);
    expect(got instanceof Error || got.body.length < body.length).toBe(true);
    await waitFor(async () => (await http(url)).status === 404);
    const quarantined = await readdir(join(cluster.devicePath(0), 'quarantined', 'objects'));
    expect(quarantined.some((name) => hashDir.endsWith(name.split('-')[0]!))).toBe(true);
  });

  it('quarantines a truncated .data file and answers 404 at once', async () => {
    const { url, hashDir } = object();
    await put(url, 'complete body');
    const [dataFile] = await filesIn(hashDir);
    const path = join(hashDir, dataFile!);
    const { truncate } = await import('node:fs/promises');
    await truncate(path, 4);
    expect((await http(url)).status).toBe(404);
    await expect(stat(hashDir)).rejects.toThrow();
  });
});

describe('container updates', () => {
  it('leaves an async pending when the container server cannot be reached', async () => {
    const { url } = object();
    const reply = await put(url, 'x', {
      'X-Container-Host': '127.0.0.1:9',
      'X-Container-Device': 'sdb1',
      'X-Container-Partition': '3',
    });
    expect(reply.status).toBe(201);
    const pendings = await listAsyncPendings(cluster.devicePath(0));
    const mine = pendings.find((p) => url.endsWith(encodeURIComponent(p.update.object ?? '')));
    expect(mine?.update).toMatchObject({
      target: 'container',
      method: 'PUT',
      account: 'AUTH_test',
      container: 'c',
      partition: 3,
    });
    expect(mine?.update.headers['X-Size']).toBe('1');
    expect(mine?.update.nodes).toEqual([{ host: '127.0.0.1:9', device: 'sdb1' }]);
  });
});

// fincore (util-linux) tells how much of a file is in the page cache.
const hasFincore = spawnSync('sh', ['-c', 'command -v fincore']).status === 0;
if (!hasFincore)
  console.warn('Skipping the page-cache test: fincore (util-linux-extra) is missing.');

/** Bytes of the object's data file in the page cache. */
async function cachedBytes(hashDir: string): Promise<number> {
  const data = (await filesIn(hashDir)).find((name) => name.endsWith('.data'))!;
  const out = execFileSync('fincore', [
    '--bytes',
    '--noheadings',
    '--output',
    'RES',
    join(hashDir, data),
  ]);
  return Number(String(out).trim());
}

describe.skipIf(!hasFincore)('page cache', () => {
  it('keeps bodies above keep_cache_size out of it once written and as read, smaller ones in', async () => {
    const large = object();
    const small = object();
    const largeBody = randomBytes(5 * 1024 * 1024 + 1);
    const smallBody = randomBytes(1024 * 1024);
    expect((await put(large.url, largeBody)).status).toBe(201);
    expect((await put(small.url, smallBody)).status).toBe(201);
    expect(await cachedBytes(large.hashDir)).toBe(0);
    expect(await cachedBytes(small.hashDir)).toBe(smallBody.length);

    const whole = await http(large.url);
    expect(md5(whole.body)).toBe(md5(largeBody));
    await waitFor(async () => (await cachedBytes(large.hashDir)) === 0);
    const range = await http(large.url, { headers: { Range: 'bytes=1048576-4194303' } });
    expect(range.status).toBe(206);
    expect(md5(range.body)).toBe(md5(largeBody.subarray(1048576, 4194304)));
    await waitFor(async () => (await cachedBytes(large.hashDir)) === 0);

    expect(md5((await http(small.url)).body)).toBe(md5(smallBody));
    expect(await cachedBytes(small.hashDir)).toBe(smallBody.length);
  });
});

describe('full device', () => {
  it('answers 507 when the device has no room, before the body is sent', async () => {
    const full = await StorageCluster.start({
      nodes: 1,
      replicas: 1,
      nodeConf: { 'object.fallocate_reserve': '100%' },
    });
    try {
      const partition = full.rings.object.getPartition('AUTH_test', 'c', 'o');
      const result = await expectContinuePut(
        `${full.url(0, 'object')}/sdb1/${partition}/AUTH_test/c/o`,
        ts(),
        'x',
      );
      expect(result).toEqual({ continued: false, status: 507 });
    } finally {
      await full.stop();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function rawRequest(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let reply = '';
    socket.on('data', (chunk) => (reply += chunk.toString()));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });
}

function expectContinuePut(
  url: string,
  stamp: string,
  body: string,
): Promise<{ continued: boolean; status: number }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = httpRequest(url, {
      method: 'PUT',
      headers: {
        Expect: '100-continue',
        'X-Timestamp': stamp,
        'Content-Type': 'text/plain',
        'Content-Length': body.length,
      },
    });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ continued, status: res.statusCode ?? 0 }));
      if (!continued) req.destroy();
    });
    req.on('error', (err) => (continued ? reject(err) : undefined));
    req.flushHeaders();
  });
}
