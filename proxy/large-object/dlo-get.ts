/**
 * GET and HEAD of a Dynamic Large Object: any object carrying
 * `X-Object-Manifest: <container>/<prefix>` reads as the concatenation of the objects listed
 * in that container under that prefix, in listing (byte) order, found through container
 * listings made as the user and paged with markers.
 *
 * As Swift's dlo.py: when the first listing page is the whole listing (fewer than
 * container_listing_limit names) the response carries Content-Length (the sum) and
 * Etag (the quoted MD5 of the segments' ETags concatenated); a longer listing is streamed
 * without them. One Range is honoured when the first page decides it (always, for a
 * complete listing); several ranges are ignored (200 with everything). Conditions are
 * answered against the large object's ETag.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_CONSTRAINTS } from '../../common/constraints.js';
import { evaluateConditions } from '../../common/conditional.js';
import { StratusError } from '../../common/errors.js';
import { errorBody } from '../../common/http-status.js';
import { parseApiPath } from '../path.js';
import type { App, ProxyRequest, ProxyResponse } from '../pipeline.js';
import { apiPath, makeSubrequest } from '../subrequest.js';
import { discardBody, headerOf } from '../subresponse.js';
import { parseRangeSpecs, resolveRange } from './byte-ranges.js';
import {
  forwardedHeaders,
  headersWithout,
  lastModifiedSeconds,
  rangeRefused,
  readBounded,
  storedObject,
} from './object-read.js';
import { openSegmentedBody, runSubrequest, SegmentError, type Piece } from './segmented-body.js';

export interface DloSettings {
  maxGetTimeSeconds: number;
  rateLimitAfterSegment: number;
  rateLimitSegmentsPerSec: number;
  /** Names per listing page (the container listing limit). */
  listingLimit: number;
}

/** A segment as a JSON container listing shows it. */
export interface ListedSegment {
  name: string;
  bytes: number;
  hash: string;
}

/** Python's unquote: `%xx` sequences decoded as UTF-8, anything else left as it is. */
function unquote(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) =>
    Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
  );
}

/** Swift's check on PUT: `<container>/<prefix>`, both non-empty, no `?` or `&`. */
export function validManifestHeader(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash <= 0) return false;
  const prefix = value.slice(slash + 1);
  return prefix !== '' && !value.includes('?') && !value.includes('&') && !prefix.startsWith('/');
}

export async function dloGetOrHead(
  req: ProxyRequest,
  next: App,
  settings: DloSettings,
): Promise<ProxyResponse> {
  const response = await next(req);
  let manifest: ProxyResponse | undefined = response;
  if (headerOf(response, 'x-object-manifest') === undefined) {
    if (!rangeRefused(req, response)) return response;
    manifest = await storedObject(req, next, 'DLO');
    if (!manifest || headerOf(manifest, 'x-object-manifest') === undefined) return response;
  }
  discardBody(response);
  const value = unquote(headerOf(manifest, 'x-object-manifest')!);
  const slash = value.indexOf('/');
  if (slash < 0) throw new StratusError('INTERNAL', 'Invalid X-Object-Manifest');
  const account = parseApiPath(req.rawPath)!.account;
  const where = { account, container: value.slice(0, slash), prefix: value.slice(slash + 1) };
  const listing = new SegmentListing(req, next, where, settings.listingLimit);
  const first = await listing.page('');
  if (!Array.isArray(first)) {
    if (req.method === 'HEAD') discardBody(first);
    return req.method === 'HEAD' ? { ...first, body: undefined } : first;
  }
  const complete = first.length < settings.listingLimit;
  const firstPageBytes = first.reduce((sum, seg) => sum + seg.bytes, 0);

  const headers = headersWithout(manifest, ['content-length', 'content-range']);
  let range: [number, number] | undefined;
  const specs = req.method === 'GET' ? rangeSpecs(req.headers.range) : undefined;
  if (specs?.length === 1) {
    const spec = specs[0]!;
    // The Range's end as far as it can be known without the length (Infinity when not).
    const end = spec.start === undefined || spec.end === undefined ? Infinity : spec.end + 1;
    if (complete || end < firstPageBytes) {
      range = resolveRange(spec, firstPageBytes);
      if (!range) {
        const { body, contentType } = errorBody(416, undefined);
        return {
          status: 416,
          headers: {
            'Content-Type': contentType,
            'Accept-Ranges': 'bytes',
            ...(complete ? { 'Content-Range': `bytes */${firstPageBytes}` } : {}),
          },
          body,
        };
      }
    }
  }
  let etag = headerOf(manifest, 'etag')?.replace(/^"(.*)"$/, '$1');
  if (complete) {
    const md5 = createHash('md5');
    for (const seg of first) md5.update(seg.hash.replace(/^"(.*)"$/, '$1'));
    etag = md5.digest('hex');
    for (const name of Object.keys(headers))
      if (name.toLowerCase() === 'etag') delete headers[name];
    headers.Etag = `"${etag}"`;
  }
  const condition = evaluateConditions(req.headers, etag ?? '', lastModifiedSeconds(manifest));
  if (condition === 304) return { status: 304, headers };
  if (condition === 412) return { status: 412, headers: { ...headers, 'Content-Length': 0 } };

  let length: number | undefined = complete ? firstPageBytes : undefined;
  if (range) length = range[1] - range[0] + 1;
  if (length !== undefined) headers['Content-Length'] = length;
  if (req.method === 'HEAD') return { status: 200, headers };
  const body = await openSegmentedBody(req, next, dloPieces(listing, first, range), {
    name: req.rawPath,
    source: 'DLO',
    expectedLength: length,
    maxGetTimeSeconds: settings.maxGetTimeSeconds,
    rateLimitAfterSegment: settings.rateLimitAfterSegment,
    rateLimitSegmentsPerSec: settings.rateLimitSegmentsPerSec,
  });
  if (!range) return { status: 200, headers, body };
  headers['Content-Range'] = `bytes ${range[0]}-${range[1]}/${firstPageBytes}`;
  return { status: 206, headers, body };
}

/** The Range header's ranges as swob parses them; undefined when absent or invalid. */
function rangeSpecs(header: string | undefined): ReturnType<typeof parseRangeSpecs> {
  const match = /^bytes=(.*)$/i.exec((header ?? '').replace(/ /g, ''));
  return match ? parseRangeSpecs(match[1]!) : undefined;
}

/** Pages of the segment container's listing under the prefix, as the user. */
export class SegmentListing {
  constructor(
    private readonly req: ProxyRequest,
    private readonly next: App,
    readonly where: { account: string; container: string; prefix: string },
    readonly limit: number,
  ) {}

  /** The page after `marker`, or the error response when the listing failed. */
  async page(marker: string): Promise<ListedSegment[] | ProxyResponse> {
    const query = new URLSearchParams({ prefix: this.where.prefix, format: 'json' });
    if (marker !== '') query.set('marker', marker);
    const response = await runSubrequest(
      this.next,
      makeSubrequest(this.req, {
        method: 'GET',
        path: apiPath(this.where.account, this.where.container),
        query,
        headers: forwardedHeaders(this.req),
        source: 'DLO',
      }),
    );
    if (response.status < 200 || response.status >= 300) return response;
    if (response.status === 204) return [];
    const body = await readBounded(
      response,
      // A page of names can be long, but never more than this.
      this.limit * (DEFAULT_CONSTRAINTS.maxObjectNameLength * 6 + 512),
      () => new StratusError('INTERNAL', 'container listing too long'),
    );
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (!Array.isArray(parsed)) throw new StratusError('INTERNAL', 'bad container listing');
    return (parsed as Record<string, unknown>[])
      .filter((entry) => typeof entry.name === 'string')
      .map((entry) => ({
        name: entry.name as string,
        bytes: Number(entry.bytes ?? 0),
        hash: typeof entry.hash === 'string' ? entry.hash : '',
      }));
  }
}

/**
 * The segments for bytes `range` (all when undefined) of the concatenation, reading more
 * listing pages as needed (Swift's _segment_listing_iterator).
 */
export async function* dloPieces(
  listing: SegmentListing,
  firstPage: ListedSegment[],
  range: [number, number] | undefined,
): AsyncGenerator<Piece> {
  let firstByte = range ? range[0] : 0;
  let lastByte = range ? range[1] : Infinity;
  let page = firstPage;
  const { account, container } = listing.where;
  for (;;) {
    for (const seg of page) {
      const length = seg.bytes;
      if (firstByte >= length) {
        firstByte = Math.max(firstByte - length, -1);
        lastByte = Math.max(lastByte - length, -1);
        continue;
      }
      if (lastByte < 0) return;
      yield {
        kind: 'object',
        path: apiPath(account, container, seg.name),
        first: Math.max(firstByte, 0),
        last: lastByte >= length - 1 ? undefined : lastByte,
        rateLimited: true,
      };
      firstByte = Math.max(firstByte - length, -1);
      lastByte = Math.max(lastByte - length, -1);
    }
    if (page.length < listing.limit || lastByte < 0) return;
    const more = await listing.page(page[page.length - 1]!.name);
    if (!Array.isArray(more)) {
      discardBody(more);
      throw new SegmentError(
        `Got status ${more.status} listing container /${account}/${container}`,
      );
    }
    page = more;
  }
}
