/**
 * What an SLO response body is made of: the byte ranges asked for (with multipart/byteranges
 * framing for several), mapped onto the manifest's segments, nested manifests fetched and
 * expanded only when the range reaches into them, as the pieces the segment reader streams.
 */
import { randomBytes } from 'node:crypto';
import { contentRange, type ByteRange } from '../../common/ranges.js';
import type { App, ProxyRequest } from '../pipeline.js';
import { apiPath, makeSubrequest } from '../subrequest.js';
import { discardBody } from '../subresponse.js';
import { slicesOf } from './byte-ranges.js';
import { loadManifest, splitSegmentPath, type LoadedSegment } from './manifest.js';
import { forwardedHeaders, readBounded } from './object-read.js';
import { runSubrequest, SegmentError, type Piece } from './segmented-body.js';

export interface SloReadSettings {
  maxManifestSize: number;
  maxGetTimeSeconds: number;
  rateLimitUnderSize: number;
  rateLimitAfterSegment: number;
  rateLimitSegmentsPerSec: number;
}

/** Nested manifests deeper than this are refused (Swift's max_slo_recursion_depth). */
const MAX_DEPTH = 10;
/** Sub-manifests kept while one response is served (bounded: each may be megabytes). */
const SUB_MANIFEST_CACHE = 4;

export interface BodyPlan {
  ranges: ByteRange[];
  /** multipart/byteranges: each part's header, and the closing line. */
  heads: Buffer[] | undefined;
  tail: Buffer | undefined;
  boundary: string;
  length: number;
}

/** What the body holds: the ranges, and for several of them the multipart framing. */
export function bodyPlan(ranges: ByteRange[], size: number, contentType: string): BodyPlan {
  const boundary = randomBytes(16).toString('hex');
  const data = ranges.reduce((sum, r) => sum + r.end - r.start + 1, 0);
  if (ranges.length < 2)
    return { ranges, heads: undefined, tail: undefined, boundary, length: data };
  const heads = ranges.map((r, i) =>
    Buffer.from(
      `${i > 0 ? '\r\n' : ''}--${boundary}\r\nContent-Type: ${contentType}\r\n` +
        `Content-Range: ${contentRange(r, size)}\r\n\r\n`,
    ),
  );
  const tail = Buffer.from(`\r\n--${boundary}--`);
  const length = data + heads.reduce((sum, head) => sum + head.length, 0) + tail.length;
  return { ranges, heads, tail, boundary, length };
}

/** Every piece of the body, in order: each range's part header (if any), then its bytes. */
export async function* piecesOf(
  plan: BodyPlan,
  segments: LoadedSegment[],
  reader: SubManifests,
  settings: SloReadSettings,
  account: string,
): AsyncGenerator<Piece> {
  for (const [i, range] of plan.ranges.entries()) {
    if (plan.heads) yield { kind: 'data', bytes: plan.heads[i]! };
    yield* slicePieces(segments, range.start, range.end, 1, reader, settings, account);
  }
  if (plan.tail) yield { kind: 'data', bytes: plan.tail };
}

/** The pieces for bytes `first..last` of a manifest's concatenation, sub-manifests expanded. */
async function* slicePieces(
  segments: LoadedSegment[],
  first: number,
  last: number,
  depth: number,
  reader: SubManifests,
  settings: SloReadSettings,
  account: string,
): AsyncGenerator<Piece> {
  const lengths = segments.map((seg) => seg.length);
  for (const slice of slicesOf(lengths, first, last)) {
    const seg = segments[slice.index]!;
    if (seg.kind === 'data') {
      yield { kind: 'data', bytes: seg.data.subarray(slice.first, slice.last + 1) };
      continue;
    }
    const offset = seg.range?.[0] ?? 0;
    if (seg.subSlo) {
      if (depth >= MAX_DEPTH)
        throw new SegmentError(`While processing manifest, max recursion depth was exceeded`);
      const sub = await reader.get(seg.name);
      yield* slicePieces(
        sub,
        offset + slice.first,
        offset + slice.last,
        depth + 1,
        reader,
        settings,
        account,
      );
      continue;
    }
    const { container, object } = splitSegmentPath(seg.name);
    yield {
      kind: 'object',
      path: apiPath(account, container, object),
      etag: seg.hash,
      size: seg.bytes,
      first: offset + slice.first,
      last: offset + slice.last,
      rateLimited: seg.bytes < settings.rateLimitUnderSize,
    };
  }
}

/** Fetches nested manifests as the body reaches them, keeping the last few. */
export class SubManifests {
  private readonly cache = new Map<string, LoadedSegment[]>();

  constructor(
    private readonly req: ProxyRequest,
    private readonly next: App,
    private readonly settings: SloReadSettings,
    private readonly account: string,
  ) {}

  async get(name: string): Promise<LoadedSegment[]> {
    const cached = this.cache.get(name);
    if (cached) {
      this.cache.delete(name);
      this.cache.set(name, cached);
      return cached;
    }
    const { container, object } = splitSegmentPath(name);
    const path = apiPath(this.account, container, object);
    const response = await runSubrequest(
      this.next,
      makeSubrequest(this.req, {
        method: 'GET',
        path,
        query: 'multipart-manifest=get',
        headers: forwardedHeaders(this.req),
        source: 'SLO',
      }),
    );
    if (response.status < 200 || response.status >= 300) {
      discardBody(response);
      throw new SegmentError(
        `while fetching ${this.req.rawPath}, GET of submanifest ${path} failed with status ${response.status}`,
      );
    }
    let segments: LoadedSegment[];
    try {
      segments = loadManifest(
        await readBounded(response, this.settings.maxManifestSize * 2, () => new Error('too big')),
      );
    } catch (err) {
      throw new SegmentError(
        `while fetching ${this.req.rawPath}, JSON-decoding of submanifest ${path} failed with ${String(err)}`,
      );
    }
    this.cache.set(name, segments);
    if (this.cache.size > SUB_MANIFEST_CACHE) this.cache.delete(this.cache.keys().next().value!);
    return segments;
  }
}
