/**
 * The body of a large object: its segments fetched one after another through the rest of
 * the pipeline (so ACLs apply to each) and streamed to the client with backpressure, never
 * more than one segment open and no segment buffered.
 *
 * As Swift's SegmentedIterable: the first segment is fetched and checked before the response
 * starts, so a large object whose first segment is gone or changed answers 409 Conflict (503
 * when storage failed); a later failure can only cut the response short, which the server
 * does by closing the connection. Each segment must still be what the manifest says (ETag,
 * and size when read whole), the total must be the announced length, small segments past
 * the first few are rate-limited, and a GET may not last longer than max_get_time.
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { StratusError, statusOf } from '../../common/errors.js';
import type { App, HeaderMap, ProxyRequest, ProxyResponse } from '../pipeline.js';
import { makeSubrequest } from '../subrequest.js';
import { bodyStream, discardBody, headerOf, readBody } from '../subresponse.js';

/** The bytes `first..last` (inclusive; `last` undefined = to the end) of one object. */
export interface ObjectPiece {
  kind: 'object';
  /** Percent-encoded API path of the segment object. */
  path: string;
  /** What the manifest says the object's ETag (unquoted) and size are, if it says. */
  etag?: string | undefined;
  size?: number | undefined;
  first: number;
  last: number | undefined;
  /** Counts toward rate limiting (Swift: every DLO segment, SLO segments under 1 MiB). */
  rateLimited: boolean;
}

/** Bytes already in hand: an SLO's inline data, a multipart/byteranges part header. */
export interface DataPiece {
  kind: 'data';
  bytes: Buffer;
}

export type Piece = ObjectPiece | DataPiece;

/** A segment or listing that no longer matches the large object (Swift's SegmentError). */
export class SegmentError extends Error {
  override name = 'SegmentError';
}

/** A segment storage could not serve (5xx): 503 rather than 409 before the first byte. */
export class SegmentUnavailableError extends SegmentError {
  override name = 'SegmentUnavailableError';
}

export interface SegmentedBodyOptions {
  /** The large object's path, for messages. */
  name: string;
  /** Swift's swift.source for the subrequests (`SLO`, `DLO`). */
  source: string;
  /** The number of bytes the response announced, when it announced one. */
  expectedLength: number | undefined;
  maxGetTimeSeconds: number;
  rateLimitAfterSegment: number;
  rateLimitSegmentsPerSec: number;
}

/**
 * Swift's ratelimit_sleep for segments: the first `after` counted segments go at once, then
 * at most `perSecond` a second, with up to five seconds of slack carried over.
 */
export class SegmentRateLimiter {
  private skipped = 0;
  private runningTime = 0;

  constructor(
    private readonly perSecond: number,
    private readonly after: number,
  ) {}

  async wait(): Promise<void> {
    if (this.skipped < this.after) {
      this.skipped++;
      return;
    }
    if (this.perSecond <= 0) return;
    const now = Date.now();
    const interval = 1000 / this.perSecond;
    if (now - this.runningTime > 5000) this.runningTime = now;
    else if (this.runningTime - now > interval) await sleep(this.runningTime - now);
    this.runningTime += interval;
  }
}

/** The request headers a segment subrequest keeps from the client's (referrer ACLs). */
function segmentHeaders(parent: ProxyRequest): HeaderMap {
  const headers: HeaderMap = {};
  if (parent.headers.referer !== undefined) headers.referer = parent.headers.referer;
  return headers;
}

/** Runs a subrequest; a thrown error becomes its status (nothing above us catches it here). */
export async function runSubrequest(next: App, sub: ProxyRequest): Promise<ProxyResponse> {
  try {
    return await next(sub);
  } catch (err) {
    const status = statusOf(err);
    if (status >= 500 && !(err instanceof StratusError))
      sub.log.error({ err }, 'subrequest failed');
    return { status, headers: {}, body: err instanceof Error ? err.message : '' };
  }
}

const unquoted = (etag: string | undefined): string | undefined => etag?.replace(/"/g, '');

async function fetchSegment(
  parent: ProxyRequest,
  next: App,
  piece: ObjectPiece,
  options: SegmentedBodyOptions,
): Promise<{ response: ProxyResponse; length: number | undefined }> {
  const headers = segmentHeaders(parent);
  const toEnd =
    piece.last === undefined || (piece.size !== undefined && piece.last === piece.size - 1);
  const ranged = piece.first !== 0 || !toEnd;
  if (ranged) headers.range = `bytes=${piece.first}-${toEnd ? '' : piece.last}`;
  const response = await runSubrequest(
    next,
    makeSubrequest(parent, {
      method: 'GET',
      path: piece.path,
      // A segment is served as stored, even when it is itself a manifest (Swift's rule).
      query: 'multipart-manifest=get',
      headers,
      source: options.source,
    }),
  );
  if (response.status < 200 || response.status >= 300) {
    const text = (await readBody(response).catch(() => Buffer.alloc(0))).toString('utf8');
    const message =
      `While processing manifest ${options.name}, got ${response.status} ` +
      `(${text.length <= 60 ? text : `${text.slice(0, 57)}...`}) while retrieving ${piece.path}`;
    if (response.status >= 500) throw new SegmentUnavailableError(message);
    throw new SegmentError(message);
  }
  const etag = unquoted(headerOf(response, 'etag'));
  const lengthText = headerOf(response, 'content-length');
  const length = lengthText === undefined ? undefined : Number(lengthText);
  if (
    (piece.etag && etag !== piece.etag) ||
    (piece.size !== undefined && !ranged && length !== piece.size)
  ) {
    discardBody(response);
    throw new SegmentError(
      `Object segment no longer valid: ${piece.path} etag: ${etag} != ${piece.etag} or ` +
        `${length} != ${piece.size}.`,
    );
  }
  return { response, length };
}

/**
 * Starts the body: fetches and checks the first segment (409/503 StratusError if it fails),
 * then returns a stream that fetches the rest as the client reads.
 */
export async function openSegmentedBody(
  parent: ProxyRequest,
  next: App,
  pieces: AsyncIterable<Piece>,
  options: SegmentedBodyOptions,
): Promise<Readable> {
  const chunks = segmentChunks(parent, next, pieces, options);
  let first: IteratorResult<Buffer>;
  try {
    first = await chunks.next();
  } catch (err) {
    await chunks.return(undefined);
    if (!(err instanceof SegmentError)) throw err;
    parent.log.warn({ reason: err.message }, 'large object: first segment failed');
    if (err instanceof SegmentUnavailableError)
      throw new StratusError('UNAVAILABLE', 'Service Unavailable', { cause: err });
    throw new StratusError('CONFLICT', 'Conflict', { cause: err });
  }
  async function* body(): AsyncGenerator<Buffer> {
    try {
      if (!first.done) yield first.value;
      yield* chunks;
    } catch (err) {
      // Headers are gone: all we can do is end the response early (the server closes it).
      parent.log.warn(
        { reason: err instanceof Error ? err.message : String(err) },
        'large object: response cut short',
      );
      throw err;
    }
  }
  return Readable.from(body(), { objectMode: false });
}

async function* segmentChunks(
  parent: ProxyRequest,
  next: App,
  pieces: AsyncIterable<Piece>,
  options: SegmentedBodyOptions,
): AsyncGenerator<Buffer> {
  const started = Date.now();
  const limiter = new SegmentRateLimiter(
    options.rateLimitSegmentsPerSec,
    options.rateLimitAfterSegment,
  );
  let sent = 0;
  const expected = options.expectedLength;
  /** The chunk as far as the announced length allows; throws once it is exceeded. */
  const within = (chunk: Buffer): Buffer => {
    if (Date.now() - started > options.maxGetTimeSeconds * 1000) {
      throw new SegmentError(
        `While processing manifest ${options.name}, max LO GET time of ` +
          `${options.maxGetTimeSeconds}s exceeded`,
      );
    }
    sent += chunk.length;
    if (expected !== undefined && sent > expected) {
      throw new SegmentError(`Too many bytes for ${options.name}; truncating`);
    }
    return chunk;
  };
  for await (const piece of pieces) {
    if (piece.kind === 'data') {
      if (piece.bytes.length > 0) yield within(piece.bytes);
      continue;
    }
    if (piece.rateLimited) await limiter.wait();
    const { response, length } = await fetchSegment(parent, next, piece, options);
    const stream = bodyStream(response);
    let got = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        got += chunk.length;
        yield within(chunk);
      }
    } finally {
      if (!stream.readableEnded && !stream.destroyed) stream.destroy();
    }
    if (length !== undefined && got !== length) {
      throw new SegmentError(
        `Bad response length for ${piece.path} as part of ${options.name}: headers had ` +
          `${length}, but response length was actually ${got}`,
      );
    }
  }
  if (expected !== undefined && sent < expected) {
    throw new SegmentError(
      `Expected another ${expected - sent} bytes for ${options.name}; closing connection`,
    );
  }
}
