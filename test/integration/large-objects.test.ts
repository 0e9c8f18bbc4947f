/**
 * Static and Dynamic Large Objects end to end through a real cluster: manifests checked and
 * stored, segments streamed (ranges across them, nested manifests, inline data), manifests
 * read back and deleted with their segments, and the bad manifests that must store nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';
import { http } from '../helpers/http.js';

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

let env: TestCluster;
let tester: Session;

const api = (path: string, options: Parameters<typeof http>[1] = {}, session: Session = tester) =>
  http(`${session.storageUrl}${path}`, {
    ...options,
    headers: { 'X-Auth-Token': session.token, ...options.headers },
  });

const put = async (path: string, body: Buffer | string, headers: Record<string, string> = {}) => {
  const reply = await api(path, { method: 'PUT', body, headers });
  expect(reply.status, `PUT ${path}: ${reply.text}`).toBe(201);
  return reply;
};

const manifestPut = (path: string, manifest: unknown, headers: Record<string, string> = {}) =>
  api(`${path}?multipart-manifest=put`, {
    method: 'PUT',
    body: typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
    headers,
  });

// Three segments of different sizes, large enough that the manifest JSON is shorter than
// the large object (so Ranges past the JSON's end are exercised too).
const seg = [randomBytes(1500), randomBytes(700), randomBytes(1300)];
const whole = Buffer.concat(seg);
const sloEtag = md5(seg.map((s) => md5(s)).join(''));

beforeAll(async () => {
  env = await startCluster();
  tester = await login(env.authUrl, 'test:tester', 'testing');
  for (const container of ['/slo', '/slo_segments', '/dlo', '/dlo_segments'])
    expect((await api(container, { method: 'PUT' })).status).toBe(201);
  for (const [i, data] of seg.entries()) await put(`/slo_segments/part/${i}`, data);
});

afterAll(async () => {
  await env?.stop();
});

describe('/info', () => {
  it('lists slo and dlo with their limits', async () => {
    const info = JSON.parse((await http(`${env.proxyUrl}/info`)).text) as Record<string, unknown>;
    expect(info.slo).toEqual({
      max_manifest_segments: 1000,
      max_manifest_size: 8 * 1024 * 1024,
      yield_frequency: 10,
      min_segment_size: 1,
      allow_async_delete: false,
    });
    expect(info.dlo).toMatchObject({ rate_limit_after_segment: 10 });
  });
});

describe('Static Large Objects', () => {
  const manifest = seg.map((data, i) => ({
    path: `/slo_segments/part/${i}`,
    etag: md5(data),
    size_bytes: data.length,
  }));

  beforeAll(async () => {
    const reply = await manifestPut('/slo/big', manifest, { 'Content-Type': 'video/mp4' });
    expect(reply.status, reply.text).toBe(201);
    expect(reply.headers.etag).toBe(`"${sloEtag}"`);
  });

  it('serves the segments concatenated, with the large object headers', async () => {
    const head = await api('/slo/big', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(whole.length));
    expect(head.headers.etag).toBe(`"${sloEtag}"`);
    expect(head.headers['x-static-large-object']).toBe('True');
    expect(head.headers['content-type']).toBe('video/mp4');
    const get = await api('/slo/big');
    expect(get.status).toBe(200);
    expect(get.headers.etag).toBe(`"${sloEtag}"`);
    expect(get.body.equals(whole)).toBe(true);
  });

  it('lists the manifest with the total size', async () => {
    const listing = JSON.parse((await api('/slo?format=json')).text) as {
      name: string;
      bytes: number;
      content_type: string;
    }[];
    expect(listing.find((o) => o.name === 'big')).toMatchObject({
      bytes: whole.length,
      content_type: 'video/mp4',
    });
  });

  it('answers single ranges across segments, suffix ranges and 416', async () => {
    for (const [range, start, end] of [
      ['bytes=1400-2299', 1400, 2299],
      ['bytes=1500-2199', 1500, 2199],
      ['bytes=3000-', 3000, whole.length - 1],
      ['bytes=-50', whole.length - 50, whole.length - 1],
      ['bytes=0-0', 0, 0],
    ] as const) {
      const reply = await api('/slo/big', { headers: { Range: range } });
      expect(reply.status, range).toBe(206);
      expect(reply.headers['content-range']).toBe(`bytes ${start}-${end}/${whole.length}`);
      expect(reply.body.equals(whole.subarray(start, end + 1)), range).toBe(true);
    }
    const beyond = await api('/slo/big', { headers: { Range: `bytes=${whole.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${whole.length}`);
  });

  it('answers several ranges as multipart/byteranges', async () => {
    const reply = await api('/slo/big', { headers: { Range: 'bytes=10-19,1495-1504' } });
    expect(reply.status).toBe(206);
    const boundary = /boundary=(\w+)/.exec(reply.headers['content-type']!)![1]!;
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length);
    const parts = reply.body.toString('latin1').split(`--${boundary}`).slice(1, -1);
    expect(parts).toHaveLength(2);
    expect(parts[1]).toContain(`Content-Range: bytes 1495-1504/${whole.length}`);
    const data = parts[1]!.split('\r\n\r\n')[1]!.replace(/\r\n$/, '');
    expect(Buffer.from(data, 'latin1').equals(whole.subarray(1495, 1505))).toBe(true);
  });

  it('answers conditions against the large object ETag', async () => {
    expect((await api('/slo/big', { headers: { 'If-None-Match': `"${sloEtag}"` } })).status).toBe(
      304,
    );
    expect((await api('/slo/big', { headers: { 'If-Match': sloEtag } })).status).toBe(200);
    const manifestEtag = (await api('/slo/big', { method: 'HEAD' })).headers['x-manifest-etag']!;
    expect((await api('/slo/big', { headers: { 'If-Match': manifestEtag } })).status).toBe(412);
  });

  it('returns the manifest with multipart-manifest=get, and as PUT with format=raw', async () => {
    const got = await api('/slo/big?multipart-manifest=get');
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    const stored = JSON.parse(got.text) as Record<string, unknown>[];
    expect(stored.map((s) => [s.name, s.hash, s.bytes])).toEqual(
      seg.map((data, i) => [`/slo_segments/part/${i}`, md5(data), data.length]),
    );
    const raw = await api('/slo/big?multipart-manifest=get&format=raw');
    expect(raw.headers['content-type']).toBe('video/mp4');
    expect(JSON.parse(raw.text)).toEqual(manifest);
  });

  it('serves ranged segments, inline data and nested manifests', async () => {
    const inner = await manifestPut('/slo/inner', [
      { path: '/slo_segments/part/1', range: '100-199' },
      { data: Buffer.from('--').toString('base64') },
    ]);
    expect(inner.status, inner.text).toBe(201);
    const outer = await manifestPut('/slo/outer', [
      { path: '/slo_segments/part/0', range: '-10' },
      { path: '/slo/inner' },
      { path: '/slo_segments/part/2', size_bytes: seg[2]!.length },
    ]);
    expect(outer.status, outer.text).toBe(201);
    const expected = Buffer.concat([
      seg[0]!.subarray(-10),
      seg[1]!.subarray(100, 200),
      Buffer.from('--'),
      seg[2]!,
    ]);
    const get = await api('/slo/outer');
    expect(get.body.equals(expected)).toBe(true);
    expect(get.headers['content-length']).toBe(String(expected.length));
    const nested = (await api('/slo/outer?multipart-manifest=get')).text;
    expect(JSON.parse(nested)[1]).toMatchObject({ name: '/slo/inner', bytes: 102, sub_slo: true });
    const ranged = await api('/slo/outer', { headers: { Range: 'bytes=5-111' } });
    expect(ranged.body.equals(expected.subarray(5, 112))).toBe(true);
  });

  it('refuses bad manifests with 400 and stores nothing', async () => {
    const cases: [unknown, RegExp][] = [
      ['[{"path": ', /Manifest must be valid JSON/],
      [[{ path: '/slo_segments/part/0', etag: 'f'.repeat(32) }], /part\/0, Etag Mismatch/],
      [[{ path: '/slo_segments/part/0', size_bytes: 1 }], /part\/0, Size Mismatch/],
      [
        [{ path: '/slo_segments/missing' }, { path: '/slo_segments/part/1' }],
        /missing, 404 Not Found/,
      ],
      [[{ path: '/slo_segments/part/1', range: '5000-' }], /Unsatisfiable Range/],
      [[{ pth: '/slo_segments/part/1' }], /Index 0: expected keys/],
    ];
    for (const [body, message] of cases) {
      const reply = await manifestPut('/slo/bad', body);
      expect(reply.status, reply.text).toBe(400);
      expect(reply.text).toMatch(message);
    }
    expect((await api('/slo/bad', { method: 'HEAD' })).status).toBe(404);
  });

  it('reports problems as JSON when asked', async () => {
    const reply = await manifestPut(
      '/slo/bad',
      [{ path: '/slo_segments/missing' }, { path: '/slo_segments/part/0', etag: 'x' }],
      { Accept: 'application/json' },
    );
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.text)).toEqual({
      Errors: [
        ['/slo_segments/missing', '404 Not Found'],
        ['/slo_segments/part/0', 'Etag Mismatch'],
      ],
    });
  });

  it('refuses too many segments, a wrong manifest ETag and the reserved header', async () => {
    const many = Array.from({ length: 1001 }, () => ({ path: '/slo_segments/part/0' }));
    const tooMany = await manifestPut('/slo/bad', many);
    expect(tooMany.status).toBe(413);
    expect(tooMany.text).toBe('Number of object-backed segments must be <= 1000');
    const huge = await manifestPut('/slo/bad', `[${' '.repeat(8 * 1024 * 1024)}]`);
    expect(huge.status).toBe(413);
    expect(huge.text).toBe('Manifest File > 8388608 bytes');
    const wrongEtag = await manifestPut('/slo/bad', manifest, { Etag: md5('nope') });
    expect(wrongEtag.status).toBe(422);
    const rightEtag = await manifestPut('/slo/etagged', manifest, { Etag: `"${sloEtag}"` });
    expect(rightEtag.status).toBe(201);
    const reserved = await api('/slo/bad', {
      method: 'PUT',
      body: 'x',
      headers: { 'X-Static-Large-Object': 'true' },
    });
    expect(reserved.status).toBe(400);
    expect(reserved.text).toMatch(/reserved header/);
    expect((await api('/slo/bad', { method: 'HEAD' })).status).toBe(404);
  });

  it('answers a heartbeat PUT with 202 and the outcome in the body', async () => {
    const ok = await manifestPut('/slo/beat', manifest, { Accept: 'application/json' });
    expect(ok.status).toBe(201);
    const reply = await api('/slo/beat2?multipart-manifest=put&heartbeat=on', {
      method: 'PUT',
      body: JSON.stringify(manifest),
      headers: { Accept: 'application/json' },
    });
    expect(reply.status).toBe(202);
    const result = JSON.parse(reply.text.trim()) as Record<string, unknown>;
    expect(result).toMatchObject({
      'Response Status': '201 Created',
      Etag: `"${sloEtag}"`,
      Errors: [],
    });
    const bad = await api('/slo/beat3?multipart-manifest=put&heartbeat=on', {
      method: 'PUT',
      body: JSON.stringify([{ path: '/slo_segments/missing' }]),
    });
    expect(bad.status).toBe(202);
    expect(bad.text).toMatch(/Response Status: 400 Bad Request/);
    expect(bad.text).toMatch(/\/slo_segments\/missing, 404 Not Found/);
    expect((await api('/slo/beat3', { method: 'HEAD' })).status).toBe(404);
  });

  it('stays a large object after a metadata POST', async () => {
    expect((await manifestPut('/slo/posted', manifest)).status).toBe(201);
    const post = await api('/slo/posted', {
      method: 'POST',
      headers: { 'X-Object-Meta-Color': 'blue' },
    });
    expect(post.status).toBe(202);
    const get = await api('/slo/posted');
    expect(get.headers['x-static-large-object']).toBe('True');
    expect(get.headers['x-object-meta-color']).toBe('blue');
    expect(get.headers.etag).toBe(`"${sloEtag}"`);
    expect(get.body.equals(whole)).toBe(true);
  });

  it('copies as data, or as a manifest with multipart-manifest=get', async () => {
    const asData = await api('/slo/big', {
      method: 'COPY',
      headers: { Destination: 'slo/big-data' },
    });
    expect(asData.status).toBe(201);
    const data = await api('/slo/big-data');
    expect(data.headers['x-static-large-object']).toBeUndefined();
    expect(data.headers.etag).toBe(md5(whole));
    expect(data.body.equals(whole)).toBe(true);
    const asManifest = await api('/slo/big?multipart-manifest=get', {
      method: 'COPY',
      headers: { Destination: 'slo/big-manifest' },
    });
    expect(asManifest.status).toBe(201);
    const copied = await api('/slo/big-manifest');
    expect(copied.headers['x-static-large-object']).toBe('True');
    expect(copied.headers.etag).toBe(`"${sloEtag}"`);
    expect(copied.body.equals(whole)).toBe(true);
  });

  it('fails a GET cleanly when a segment has gone', async () => {
    for (const [i, data] of seg.entries()) await put(`/slo_segments/frail/${i}`, data);
    const frail = seg.map((_, i) => ({ path: `/slo_segments/frail/${i}` }));
    expect((await manifestPut('/slo/frail', frail)).status).toBe(201);
    // A later segment gone: the response starts, then stops short.
    expect((await api('/slo_segments/frail/2', { method: 'DELETE' })).status).toBe(204);
    await expect(api('/slo/frail')).rejects.toThrow();
    // The first segment gone: 409 before any byte.
    expect((await api('/slo_segments/frail/0', { method: 'DELETE' })).status).toBe(204);
    const reply = await api('/slo/frail');
    expect(reply.status).toBe(409);
  });

  it('reads segments as the user, so ACLs hold for every segment', async () => {
    const plain = await login(env.authUrl, 'test:tester3', 'testing3');
    await api('/slo', { method: 'POST', headers: { 'X-Container-Read': 'test:tester3' } });
    const reply = await api('/slo/big', {}, plain);
    expect(reply.status).toBe(409);
    expect(reply.body.includes(seg[0]!.subarray(0, 32))).toBe(false);
    await api('/slo_segments', { method: 'POST', headers: { 'X-Container-Read': 'test:tester3' } });
    const allowed = await api('/slo/big', {}, plain);
    expect(allowed.status).toBe(200);
    expect(allowed.body.equals(whole)).toBe(true);
    await api('/slo', { method: 'POST', headers: { 'X-Remove-Container-Read': 'x' } });
    await api('/slo_segments', { method: 'POST', headers: { 'X-Remove-Container-Read': 'x' } });
  });

  it('deletes the manifest and its segments with multipart-manifest=delete', async () => {
    for (const [i, data] of seg.entries()) await put(`/slo_segments/doomed/${i}`, data);
    const doomed = seg.map((_, i) => ({ path: `/slo_segments/doomed/${i}` }));
    expect((await manifestPut('/slo/doomed', doomed)).status).toBe(201);
    const reply = await api('/slo/doomed?multipart-manifest=delete', {
      method: 'DELETE',
      headers: { Accept: 'application/json' },
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({
      'Response Status': '200 OK',
      'Response Body': '',
      'Number Deleted': 4,
      'Number Not Found': 0,
      Errors: [],
    });
    for (const path of ['/slo/doomed', ...doomed.map((d) => d.path)])
      expect((await api(path, { method: 'HEAD' })).status, path).toBe(404);
    const plainText = await api('/slo/big?multipart-manifest=delete', { method: 'DELETE' });
    expect(plainText.text).toContain('Number Deleted: 4\n');
    expect(plainText.text).toContain('Response Status: 200 OK\n');
  });

  it('refuses to delete a plain object as a manifest, and deletes nothing', async () => {
    await put('/slo/plain', 'plain');
    const reply = await api('/slo/plain?multipart-manifest=delete', { method: 'DELETE' });
    expect(reply.status).toBe(200);
    expect(reply.text).toContain('Response Status: 400 Bad Request');
    expect(reply.text).toContain('/slo/plain, Not an SLO manifest');
    expect((await api('/slo/plain')).text).toBe('plain');
  });
});

describe('Dynamic Large Objects', () => {
  const parts = [randomBytes(400), randomBytes(10), randomBytes(333)];
  const joined = Buffer.concat(parts);
  const dloEtag = md5(parts.map((p) => md5(p)).join(''));

  beforeAll(async () => {
    for (const [i, data] of parts.entries())
      await put(`/dlo_segments/movie/${String(i).padStart(3, '0')}`, data);
    await put('/dlo_segments/other/000', 'not part of it');
    await put('/dlo/movie', '', { 'X-Object-Manifest': 'dlo_segments/movie/' });
  });

  it('serves the listed segments concatenated, with the summed length and ETag', async () => {
    const head = await api('/dlo/movie', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(joined.length));
    expect(head.headers.etag).toBe(`"${dloEtag}"`);
    expect(head.headers['x-object-manifest']).toBe('dlo_segments/movie/');
    const get = await api('/dlo/movie');
    expect(get.status).toBe(200);
    expect(get.body.equals(joined)).toBe(true);
  });

  it('follows the listing as it changes', async () => {
    await put('/dlo_segments/movie/003', 'tail');
    const get = await api('/dlo/movie');
    expect(get.body.equals(Buffer.concat([joined, Buffer.from('tail')]))).toBe(true);
    expect((await api('/dlo_segments/movie/003', { method: 'DELETE' })).status).toBe(204);
  });

  it('answers ranges, suffix ranges and 416', async () => {
    for (const [range, start, end] of [
      ['bytes=395-414', 395, 414],
      ['bytes=-5', joined.length - 5, joined.length - 1],
      ['bytes=410-', 410, joined.length - 1],
    ] as const) {
      const reply = await api('/dlo/movie', { headers: { Range: range } });
      expect(reply.status, range).toBe(206);
      expect(reply.headers['content-range']).toBe(`bytes ${start}-${end}/${joined.length}`);
      expect(reply.body.equals(joined.subarray(start, end + 1)), range).toBe(true);
    }
    const beyond = await api('/dlo/movie', { headers: { Range: 'bytes=5000-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${joined.length}`);
  });

  it('answers conditions against the large object ETag', async () => {
    expect((await api('/dlo/movie', { headers: { 'If-None-Match': `"${dloEtag}"` } })).status).toBe(
      304,
    );
    expect((await api('/dlo/movie', { headers: { 'If-Match': md5('') } })).status).toBe(412);
  });

  it('returns the manifest object itself with multipart-manifest=get', async () => {
    const reply = await api('/dlo/movie?multipart-manifest=get');
    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(0);
    expect(reply.headers.etag).toBe(md5(''));
  });

  it('refuses a malformed X-Object-Manifest and stores nothing', async () => {
    for (const value of ['nocontainer', 'c/', '/c/p', 'c/p?x=1', 'c//p']) {
      const reply = await api('/dlo/bad', {
        method: 'PUT',
        body: '',
        headers: { 'X-Object-Manifest': value },
      });
      expect(reply.status, value).toBe(400);
      expect(reply.text).toBe('X-Object-Manifest must be in the format container/prefix');
    }
    expect((await api('/dlo/bad', { method: 'HEAD' })).status).toBe(404);
  });

  it('reads as empty when nothing matches, and 404s for a missing segment container', async () => {
    await put('/dlo/empty', '', { 'X-Object-Manifest': 'dlo_segments/nothing-here' });
    const empty = await api('/dlo/empty');
    expect(empty.status).toBe(200);
    expect(empty.body.length).toBe(0);
    await put('/dlo/orphan', '', { 'X-Object-Manifest': 'no_such_container/x' });
    expect((await api('/dlo/orphan')).status).toBe(404);
  });
});
