import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigSection } from '../../../common/config.js';
import { StratusError } from '../../../common/errors.js';
import { createLogger } from '../../../common/logger.js';
import type { ProxyContext } from '../../../proxy/context.js';
import {
  carriedHeaders,
  replicaHeaders,
  withoutSwiftBytes,
} from '../../../proxy/copy/carried-headers.js';
import { copy } from '../../../proxy/middleware/copy.js';
import {
  parseAccountHeader,
  parsePathHeader,
  swiftQuote,
  unquote,
} from '../../../proxy/path-headers.js';
import type { App, ProxyRequest, ProxyResponse } from '../../../proxy/pipeline.js';

const silent = createLogger({ server: 'test', level: 'silent' });
const ctx = { capabilities: {} } as unknown as ProxyContext;
const filter = copy(ConfigSection.of('filter:copy', {}), ctx);

function request(method: string, path: string, headers: Record<string, string> = {}): ProxyRequest {
  const url = new URL(path, 'http://x');
  return {
    method,
    rawPath: url.pathname,
    query: url.searchParams,
    headers,
    body: Readable.from([]),
    clientIp: '127.0.0.1',
    txId: 'txtest',
    log: silent,
    env: new Map(),
    continueBody: () => undefined,
  };
}

/** A downstream app that serves one source object and records every request it gets. */
function downstream(source: ProxyResponse | (() => ProxyResponse)) {
  const seen: { req: ProxyRequest; body: string }[] = [];
  const app: App = async (req) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req.body as AsyncIterable<Buffer>) chunks.push(chunk);
    seen.push({ req, body: Buffer.concat(chunks).toString() });
    if (req.method === 'GET') return typeof source === 'function' ? source() : source;
    return { status: 201, headers: { Etag: 'abc' } };
  };
  return { app, seen };
}

const sourceObject = (): ProxyResponse => ({
  status: 200,
  headers: {
    'Content-Length': 5,
    'Content-Type': 'text/x-src;swift_bytes=99',
    Etag: 'e5',
    'Last-Modified': 'Wed, 01 Jan 2025 00:00:00 GMT',
    'X-Timestamp': '1735689600.00000',
    'X-Object-Meta-Color': 'blue',
    'X-Object-Sysmeta-Thing': 'kept',
    'Content-Encoding': 'gzip',
    'Accept-Ranges': 'bytes',
  },
  body: Readable.from([Buffer.from('hello')]),
});

describe('path headers', () => {
  it('reads <container>/<object> with or without a leading slash, URL-decoded', () => {
    expect(parsePathHeader('c/o', 'm')).toEqual({ container: 'c', object: 'o' });
    expect(parsePathHeader('/c/a/b/', 'm')).toEqual({ container: 'c', object: 'a/b/' });
    expect(parsePathHeader('/c%20x/%C3%A9', 'm')).toEqual({ container: 'c x', object: 'é' });
    for (const bad of ['c', '/c', '/c/', '//c/o', '', '/'])
      expect(() => parsePathHeader(bad, 'form')).toThrow('form');
  });

  it('checks account names and quotes as Python does', () => {
    expect(parseAccountHeader('AUTH_test%202')).toBe('AUTH_test 2');
    expect(() => parseAccountHeader('')).toThrow('Account name cannot be empty');
    expect(() => parseAccountHeader('a/b')).toThrow('Account name cannot contain slashes');
    expect(swiftQuote("c/é o!'()*~")).toBe('c/%C3%A9%20o%21%27%28%29%2A~');
    expect(unquote('a%zz%41%C3%A9')).toBe('a%zzAé');
  });
});

describe('carried headers', () => {
  const source = {
    'x-object-meta-a': '1',
    'x-object-sysmeta-s': '2',
    'x-object-transient-sysmeta-t': '3',
    'x-object-sysmeta-container-update-override-etag': 'x; y=z',
    'x-object-sysmeta-slo-size': '10',
    'content-encoding': 'gzip',
    'x-delete-at': '9999999999',
    'content-length': '5',
    etag: 'e',
    'last-modified': 'then',
    'x-static-large-object': 'True',
  };

  it('carries metadata and stored object headers, not response headers', () => {
    expect(carriedHeaders(source, { fresh: false, asData: false, etagChanges: false })).toEqual({
      'x-object-meta-a': '1',
      'x-object-sysmeta-s': '2',
      'x-object-transient-sysmeta-t': '3',
      'x-object-sysmeta-container-update-override-etag': 'x; y=z',
      'x-object-sysmeta-slo-size': '10',
      'content-encoding': 'gzip',
      'x-delete-at': '9999999999',
    });
  });

  it('keeps only system metadata when fresh, and drops what no longer applies', () => {
    expect(carriedHeaders(source, { fresh: true, asData: true, etagChanges: true })).toEqual({
      'x-object-sysmeta-s': '2',
    });
  });

  it('makes replicas with type, ETag and swift_bytes for a manifest listing', () => {
    const replica = replicaHeaders({ ...source, 'content-type': 'application/json' });
    expect(replica['content-type']).toBe('application/json;swift_bytes=10');
    expect(replica.etag).toBe('e');
    expect(replica['x-static-large-object']).toBe('True');
    expect(replica['content-length']).toBeUndefined();
    expect(withoutSwiftBytes('a/b;swift_bytes=12;x=y')).toBe('a/b;x=y');
  });
});

describe('copy middleware', () => {
  it('turns COPY into a GET of the source streamed into a PUT of the destination', async () => {
    const { app, seen } = downstream(sourceObject);
    const response = await filter(
      request('COPY', '/v1/AUTH_a/c/o', {
        destination: '/c2/o%202',
        'x-object-meta-size': 'big',
        'x-auth-token': 't',
        'if-match': 'e5',
      }),
      app,
    );
    expect(response.status).toBe(201);
    const [get, put] = seen;
    expect(get!.req.method).toBe('GET');
    expect(get!.req.rawPath).toBe('/v1/AUTH_a/c/o');
    expect(get!.req.headers).toMatchObject({ 'x-newest': 'true', 'if-match': 'e5' });
    expect(get!.req.headers['x-object-meta-size']).toBeUndefined();
    expect(get!.req.headers['content-length']).toBeUndefined();
    expect(put!.req.method).toBe('PUT');
    expect(put!.req.rawPath).toBe('/v1/AUTH_a/c2/o%202');
    expect(put!.body).toBe('hello');
    expect(put!.req.headers).toMatchObject({
      'content-length': '5',
      'content-type': 'text/x-src',
      etag: 'e5',
      'x-object-meta-color': 'blue',
      'x-object-meta-size': 'big',
      'x-object-sysmeta-thing': 'kept',
      'content-encoding': 'gzip',
    });
    for (const gone of ['if-match', 'x-copy-from', 'destination', 'accept-ranges', 'x-timestamp'])
      expect(put!.req.headers[gone]).toBeUndefined();
    expect(response.headers).toMatchObject({
      'X-Copied-From': 'c/o',
      'X-Copied-From-Account': 'AUTH_a',
      'X-Copied-From-Last-Modified': 'Wed, 01 Jan 2025 00:00:00 GMT',
      'X-Object-Meta-Size': 'big',
    });
  });

  it('reads the source in another account for Destination-Account and X-Copy-From-Account', async () => {
    const { app, seen } = downstream(sourceObject);
    await filter(
      request('COPY', '/v1/AUTH_a/c/o', { destination: 'c2/o2', 'destination-account': 'AUTH_b' }),
      app,
    );
    expect(seen.map((s) => s.req.rawPath)).toEqual(['/v1/AUTH_a/c/o', '/v1/AUTH_b/c2/o2']);
    const second = downstream(sourceObject);
    const response = await filter(
      request('PUT', '/v1/AUTH_a/c2/o2', {
        'x-copy-from': 'c/o',
        'x-copy-from-account': 'AUTH_b',
        'content-length': '0',
      }),
      second.app,
    );
    expect(second.seen[0]!.req.rawPath).toBe('/v1/AUTH_b/c/o');
    expect(response.headers['X-Copied-From-Account']).toBe('AUTH_b');
  });

  it('refuses a missing Destination (412) and a body (400) before reading anything', async () => {
    const { app, seen } = downstream(sourceObject);
    await expect(filter(request('COPY', '/v1/a/c/o'), app)).rejects.toMatchObject({
      status: 412,
      message: 'Destination header required',
    });
    await expect(
      filter(request('PUT', '/v1/a/c/o', { 'x-copy-from': 'c/o', 'content-length': '3' }), app),
    ).rejects.toMatchObject({ status: 400 });
    expect(seen).toEqual([]);
  });

  it('refuses sources too large or of unknown length (413) and frees their stream', async () => {
    for (const length of [String(5 * 1024 ** 3 + 3), undefined]) {
      const body = new Readable({ read() {} });
      const { app, seen } = downstream({
        status: 200,
        headers: length === undefined ? {} : { 'Content-Length': length },
        body,
      });
      const result = filter(
        request('PUT', '/v1/a/c/o', { 'x-copy-from': 'c/o', 'content-length': '0' }),
        app,
      );
      await expect(result).rejects.toBeInstanceOf(StratusError);
      await expect(result).rejects.toMatchObject({ status: 413 });
      expect(body.destroyed).toBe(true);
      expect(seen.map((s) => s.req.method)).toEqual(['GET']);
    }
  });

  it('passes the source’s error through and writes nothing', async () => {
    const { app, seen } = downstream({ status: 404, headers: {}, body: 'Not Found' });
    const response = await filter(
      request('PUT', '/v1/a/c/o', { 'x-copy-from': 'c/missing', 'content-length': '0' }),
      app,
    );
    expect(response.status).toBe(404);
    expect(seen.map((s) => s.req.method)).toEqual(['GET']);
  });

  it('copies a manifest as a manifest with ?multipart-manifest=get', async () => {
    const slo = downstream({
      status: 200,
      headers: { 'Content-Length': 2, 'X-Static-Large-Object': 'True', Etag: 'm' },
      body: '[]',
    });
    await filter(
      request('COPY', '/v1/a/c/o?multipart-manifest=get', { destination: 'c/p' }),
      slo.app,
    );
    expect(slo.seen[0]!.req.query.get('format')).toBe('raw');
    expect(slo.seen[1]!.req.query.get('multipart-manifest')).toBe('put');
    expect(slo.seen[1]!.req.headers.etag).toBeUndefined();
    const dlo = downstream({
      status: 200,
      headers: { 'Content-Length': 0, 'X-Object-Manifest': 'segs/p', Etag: 'd' },
      body: '',
    });
    await filter(
      request('COPY', '/v1/a/c/o?multipart-manifest=get', { destination: 'c/p' }),
      dlo.app,
    );
    expect(dlo.seen[1]!.req.query.has('multipart-manifest')).toBe(false);
    expect(dlo.seen[1]!.req.headers['x-object-manifest']).toBe('segs/p');
  });

  it('adds COPY to the methods OPTIONS lists', async () => {
    const response = await filter(request('OPTIONS', '/v1/a/c/o'), async () => ({
      status: 200,
      headers: { Allow: 'GET, PUT', 'Access-Control-Allow-Methods': 'GET' },
    }));
    expect(response.headers.Allow).toBe('GET, PUT, COPY');
    expect(response.headers['Access-Control-Allow-Methods']).toBe('GET, COPY');
  });

  it('leaves other requests alone', async () => {
    const { app, seen } = downstream(sourceObject);
    await filter(request('PUT', '/v1/a/c/o', { 'content-length': '0' }), app);
    await filter(request('COPY', '/v1/a/c'), app);
    expect(seen.map((s) => s.req.method)).toEqual(['PUT', 'COPY']);
  });
});
