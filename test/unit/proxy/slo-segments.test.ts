import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StratusError } from '../../../common/errors.js';
import { createLogger } from '../../../common/logger.js';
import {
  parseRangeSpecs,
  resolveRange,
  slicesOf,
} from '../../../proxy/large-object/byte-ranges.js';
import { dloPieces, SegmentListing } from '../../../proxy/large-object/dlo-get.js';
import { openSegmentedBody, type Piece } from '../../../proxy/large-object/segmented-body.js';
import type { App, ProxyRequest, ProxyResponse } from '../../../proxy/pipeline.js';

describe('segment ranges as a manifest writes them', () => {
  it('parses as swob parses a Range header', () => {
    expect(parseRangeSpecs('1-2')).toEqual([{ start: 1, end: 2 }]);
    expect(parseRangeSpecs('5-')).toEqual([{ start: 5, end: undefined }]);
    expect(parseRangeSpecs('-5')).toEqual([{ start: undefined, end: 5 }]);
    expect(parseRangeSpecs(' 1 - 2 ')).toEqual([{ start: 1, end: 2 }]);
    expect(parseRangeSpecs('1-2,4-5')).toHaveLength(2);
    for (const bad of ['5-3', '-', '45', 'a-1', '1-b', '--1', ''])
      expect(parseRangeSpecs(bad), bad).toBeUndefined();
  });

  it('resolves against the object length, inclusive', () => {
    expect(resolveRange({ start: 2, end: 5 }, 10)).toEqual([2, 5]);
    expect(resolveRange({ start: 2, end: 50 }, 10)).toEqual([2, 9]);
    expect(resolveRange({ start: 7, end: undefined }, 10)).toEqual([7, 9]);
    expect(resolveRange({ start: undefined, end: 3 }, 10)).toEqual([7, 9]);
    expect(resolveRange({ start: undefined, end: 30 }, 10)).toEqual([0, 9]);
    expect(resolveRange({ start: 10, end: undefined }, 10)).toBeUndefined();
    expect(resolveRange({ start: undefined, end: 0 }, 10)).toBeUndefined();
  });
});

describe('a range of a large object mapped onto its segments', () => {
  const lengths = [10, 5, 0, 20];

  it('covers every segment for the whole object', () => {
    expect([...slicesOf(lengths, 0, 34)]).toEqual([
      { index: 0, first: 0, last: 9 },
      { index: 1, first: 0, last: 4 },
      { index: 3, first: 0, last: 19 },
    ]);
  });

  it('skips the segments before and after the range', () => {
    expect([...slicesOf(lengths, 12, 13)]).toEqual([{ index: 1, first: 2, last: 3 }]);
    expect([...slicesOf(lengths, 34, 34)]).toEqual([{ index: 3, first: 19, last: 19 }]);
  });

  it('crosses segment boundaries', () => {
    expect([...slicesOf(lengths, 8, 16)]).toEqual([
      { index: 0, first: 8, last: 9 },
      { index: 1, first: 0, last: 4 },
      { index: 3, first: 0, last: 1 },
    ]);
  });
});

const silent = createLogger({ server: 'test', level: 'silent' });
const parent: ProxyRequest = {
  method: 'GET',
  rawPath: '/v1/AUTH_a/c/lo',
  query: new URLSearchParams(),
  headers: {},
  body: Readable.from([]),
  clientIp: '127.0.0.1',
  txId: 'txtest',
  log: silent,
  env: new Map(),
  continueBody: () => undefined,
};

const md5 = (data: string) => createHash('md5').update(data).digest('hex');

/** The rest of the pipeline, for these tests: objects in memory, served with Range. */
function objectStore(objects: Record<string, string>, seen: string[] = []): App {
  return async (req): Promise<ProxyResponse> => {
    const data = objects[req.rawPath];
    seen.push(`${req.rawPath} ${req.headers.range ?? ''}`.trim());
    if (data === undefined) return { status: 404, headers: {}, body: 'Not Found' };
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const part = match
      ? data.slice(Number(match[1]), match[2] ? Number(match[2]) + 1 : undefined)
      : data;
    return {
      status: match ? 206 : 200,
      headers: { 'Content-Length': part.length, Etag: md5(data) },
      body: Readable.from([Buffer.from(part)]),
    };
  };
}

const piece = (path: string, extra: Partial<Piece> = {}): Piece =>
  ({ kind: 'object', path, first: 0, last: undefined, rateLimited: false, ...extra }) as Piece;

async function* listOf(pieces: Piece[]): AsyncGenerator<Piece> {
  yield* pieces;
}

const options = (expectedLength?: number) => ({
  name: '/v1/AUTH_a/c/lo',
  source: 'TEST',
  expectedLength,
  maxGetTimeSeconds: 60,
  rateLimitAfterSegment: 10,
  rateLimitSegmentsPerSec: 0,
});

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) out += chunk.toString();
  return out;
}

describe('a large object body', () => {
  const objects = {
    '/v1/AUTH_a/s/1': 'hello ',
    '/v1/AUTH_a/s/2': 'big ',
    '/v1/AUTH_a/s/3': 'world',
  };

  it('streams the segments in order, asking only for the bytes it serves', async () => {
    const seen: string[] = [];
    const body = await openSegmentedBody(
      parent,
      objectStore(objects, seen),
      listOf([
        piece('/v1/AUTH_a/s/1', { first: 2, etag: md5('hello '), size: 6 }),
        { kind: 'data', bytes: Buffer.from('|') },
        piece('/v1/AUTH_a/s/3', { last: 2, etag: md5('world'), size: 5 }),
      ]),
      options(8),
    );
    expect(await text(body)).toBe('llo |wor');
    expect(seen).toEqual(['/v1/AUTH_a/s/1 bytes=2-', '/v1/AUTH_a/s/3 bytes=0-2']);
  });

  it('answers 409 when the first segment is missing or changed', async () => {
    for (const first of [
      piece('/v1/AUTH_a/s/gone'),
      piece('/v1/AUTH_a/s/1', { etag: 'not-its-etag' }),
      piece('/v1/AUTH_a/s/1', { size: 99 }),
    ]) {
      const opened = openSegmentedBody(parent, objectStore(objects), listOf([first]), options());
      await expect(opened).rejects.toSatisfy(
        (err) => err instanceof StratusError && err.status === 409,
      );
    }
  });

  it('answers 503 when storage fails on the first segment', async () => {
    const failing: App = async () => ({ status: 503, headers: {}, body: '' });
    await expect(
      openSegmentedBody(parent, failing, listOf([piece('/v1/AUTH_a/s/1')]), options()),
    ).rejects.toSatisfy((err) => err instanceof StratusError && err.status === 503);
  });

  it('cuts the body short when a later segment is gone', async () => {
    const body = await openSegmentedBody(
      parent,
      objectStore(objects),
      listOf([piece('/v1/AUTH_a/s/1'), piece('/v1/AUTH_a/s/gone')]),
      options(),
    );
    await expect(text(body)).rejects.toThrow(/got 404/);
  });

  it('fails a body that ends before the announced length', async () => {
    const body = await openSegmentedBody(
      parent,
      objectStore(objects),
      listOf([piece('/v1/AUTH_a/s/1')]),
      options(10),
    );
    await expect(text(body)).rejects.toThrow(/Expected another 4 bytes/);
  });
});

describe('a DLO segment listing', () => {
  it('pages past a full listing with markers and stops at the range end', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `seg/${i}`);
    const queries: string[] = [];
    const pipeline: App = async (req) => {
      queries.push(req.query.toString());
      const marker = req.query.get('marker') ?? '';
      const page = names.filter((n) => n > marker).slice(0, 3);
      return {
        status: 200,
        headers: {},
        body: JSON.stringify(page.map((name) => ({ name, bytes: 10, hash: md5(name) }))),
      };
    };
    const listing = new SegmentListing(
      parent,
      pipeline,
      { account: 'AUTH_a', container: 'segs', prefix: 'seg/' },
      3,
    );
    const first = await listing.page('');
    expect(Array.isArray(first) && first.map((s) => s.name)).toEqual(['seg/0', 'seg/1', 'seg/2']);

    const all: Piece[] = [];
    for await (const p of dloPieces(listing, first as never, undefined)) all.push(p);
    expect(all.map((p) => (p.kind === 'object' ? p.path : ''))).toEqual(
      names.map((n) => `/v1/AUTH_a/segs/${n}`),
    );
    expect(queries).toEqual([
      'prefix=seg%2F&format=json',
      'prefix=seg%2F&format=json&marker=seg%2F2',
      'prefix=seg%2F&format=json&marker=seg%2F5',
    ]);

    queries.length = 0;
    const ranged: Piece[] = [];
    for await (const p of dloPieces(listing, first as never, [25, 44])) ranged.push(p);
    expect(ranged).toEqual([
      expect.objectContaining({ path: '/v1/AUTH_a/segs/seg/2', first: 5, last: undefined }),
      expect.objectContaining({ path: '/v1/AUTH_a/segs/seg/3', first: 0, last: undefined }),
      expect.objectContaining({ path: '/v1/AUTH_a/segs/seg/4', first: 0, last: 4 }),
    ]);
    expect(queries).toEqual(['prefix=seg%2F&format=json&marker=seg%2F2']);
  });
});
