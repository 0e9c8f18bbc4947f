/**
 * GET and HEAD of a Static Large Object. The manifest is read as stored; its segments are
 * then streamed in order (sub-manifests expanded as they are reached), with the large
 * object's headers: Content-Length the total, Etag Swift's quoted MD5 of the segment ETags,
 * X-Manifest-Etag the manifest's own MD5. Range (one or several), ?part-number=N and the
 * conditional headers are answered against the large object, not the stored manifest.
 * `?multipart-manifest=get` returns the manifest (`&format=raw` in the form it was PUT).
 */
import { createHash } from 'node:crypto';
import { evaluateConditions } from '../../common/conditional.js';
import { StratusError } from '../../common/errors.js';
import { errorBody } from '../../common/http-status.js';
import { contentRange, evaluateRange, type ByteRange } from '../../common/ranges.js';
import { parseApiPath } from '../path.js';
import type { App, ProxyRequest, ProxyResponse } from '../pipeline.js';
import { makeSubrequest } from '../subrequest.js';
import { discardBody, headerOf, lowerHeaders } from '../subresponse.js';
import {
  loadManifest,
  rawManifest,
  sloEtag,
  withoutSwiftBytes,
  type LoadedSegment,
} from './manifest.js';
import {
  forwardedHeaders,
  headerIn,
  headersWithout,
  isSloResponse,
  lastModifiedSeconds,
  rangeRefused,
  readBounded,
  repeatRequest,
  setHeaderIn,
  SLO_ETAG,
  SLO_SIZE,
  storedObject,
  unreadableManifest,
} from './object-read.js';
import { openSegmentedBody, runSubrequest } from './segmented-body.js';
import { bodyPlan, piecesOf, SubManifests, type SloReadSettings } from './slo-body.js';

/** The large object's size and ETag from the manifest's system metadata, when it has them. */
function sloAttributes(response: ProxyResponse): { etag: string; size: number } | undefined {
  const headers = lowerHeaders(response);
  const size = Number(headers[SLO_SIZE] ?? 'x');
  const etag = headers[SLO_ETAG];
  return etag && Number.isInteger(size) && size >= 0 ? { etag, size } : undefined;
}

/** `?part-number=N` (1-based), validated as Swift does once it knows the object is an SLO. */
function partNumberOf(req: ProxyRequest): number | undefined {
  const text = req.query.get('part-number');
  if (text === null) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1)
    throw new StratusError('BAD_REQUEST', 'Part number must be an integer greater than 0');
  return Number(text);
}

export async function sloGetOrHead(
  req: ProxyRequest,
  next: App,
  settings: SloReadSettings,
): Promise<ProxyResponse> {
  if (req.query.get('multipart-manifest') === 'get') return manifestGet(req, next, settings);
  const response = await next(req);
  let manifest = response;
  let refetch = false;
  if (!isSloResponse(response)) {
    if (!rangeRefused(req, response)) return cleanType(response);
    const stored = await storedObject(req, next, 'SLO');
    if (!stored || !isSloResponse(stored)) return response;
    refetch = true;
  }
  const partNumber = partNumberOf(req);
  const known = sloAttributes(response);
  const needSegments = req.method === 'GET' || partNumber !== undefined || !known;
  // A GET answered other than 200 (a Range or condition applied to the stored manifest) or
  // a HEAD that needs the segments must read the whole manifest, without the conditions.
  if (refetch || (needSegments && (req.method === 'HEAD' || response.status !== 200))) {
    discardBody(response);
    manifest = await runSubrequest(
      next,
      makeSubrequest(req, {
        method: 'GET',
        path: req.rawPath,
        query: 'multipart-manifest=get',
        headers: forwardedHeaders(req),
        source: 'SLO',
      }),
    );
    if (!isSloResponse(manifest)) {
      // Replaced by a plain object meanwhile: answer the request as that object.
      discardBody(manifest);
      return next(repeatRequest(req, 'SLO'));
    }
  }
  let segments: LoadedSegment[] | undefined;
  if (needSegments) {
    const body = await readBounded(manifest, settings.maxManifestSize * 2, unreadableManifest);
    try {
      segments = loadManifest(body);
    } catch {
      req.log.error({ path: req.rawPath }, 'Unable to load SLO manifest');
      throw unreadableManifest();
    }
  } else {
    discardBody(manifest);
  }
  const attrs = sloAttributes(manifest) ?? {
    etag: sloEtag(segments!),
    size: segments!.reduce((sum, seg) => sum + seg.length, 0),
  };
  const headers = headersWithout(manifest, ['content-length', 'content-range', 'etag']);
  const type = headerOf(manifest, 'content-type');
  if (type !== undefined) setHeaderIn(headers, 'Content-Type', withoutSwiftBytes(type));
  headers.Etag = `"${attrs.etag}"`;
  headers['X-Manifest-Etag'] = headerOf(manifest, 'etag') ?? '';
  headers['Accept-Ranges'] = 'bytes';
  setHeaderIn(headers, 'X-Static-Large-Object', 'True');
  if (segments && partNumber !== undefined) headers['X-Parts-Count'] = segments.length;

  const condition = evaluateConditions(req.headers, attrs.etag, lastModifiedSeconds(manifest));
  if (condition === 304) return { status: 304, headers };
  if (condition === 412) return { status: 412, headers: { ...headers, 'Content-Length': 0 } };
  return serve(req, next, settings, segments, attrs.size, headers, partNumber);
}

/** The byte ranges to send, then the response: 200, 206 (one range or multipart), or 416. */
async function serve(
  req: ProxyRequest,
  next: App,
  settings: SloReadSettings,
  segments: LoadedSegment[] | undefined,
  size: number,
  headers: Record<string, string | number>,
  partNumber: number | undefined,
): Promise<ProxyResponse> {
  let ranges: ByteRange[] | undefined;
  const requested = evaluateRange(req.headers.range, size);
  if (req.method === 'GET' && requested.kind === 'unsatisfiable') {
    const { body, contentType } = errorBody(416, undefined);
    return {
      status: 416,
      headers: { ...headers, 'Content-Type': contentType, 'Content-Range': `bytes */${size}` },
      body,
    };
  }
  if (req.method === 'GET' && requested.kind === 'partial') ranges = requested.ranges;
  else if (partNumber !== undefined && segments) {
    if (partNumber > segments.length) {
      const text = 'The requested part number is not satisfiable';
      return {
        status: 416,
        headers: { ...headers, 'Content-Range': `bytes */${size}`, 'Content-Length': 0 },
        body: req.method === 'HEAD' ? undefined : text,
      };
    }
    const start = segments.slice(0, partNumber - 1).reduce((sum, seg) => sum + seg.length, 0);
    ranges = [{ start, end: start + segments[partNumber - 1]!.length - 1 }];
  }
  if (req.method === 'HEAD') {
    const only = ranges?.[0];
    if (!only) return { status: 200, headers: { ...headers, 'Content-Length': size } };
    return {
      status: 206,
      headers: {
        ...headers,
        'Content-Length': only.end - only.start + 1,
        'Content-Range': contentRange(only, size),
      },
    };
  }
  const account = parseApiPath(req.rawPath)!.account;
  const reader = new SubManifests(req, next, settings, account);
  const type = headerIn(headers, 'content-type') ?? 'application/octet-stream';
  const plan = bodyPlan(ranges ?? (size > 0 ? [{ start: 0, end: size - 1 }] : []), size, type);
  const pieces = piecesOf(plan, segments!, reader, settings, account);
  const body = await openSegmentedBody(req, next, pieces, {
    name: req.rawPath,
    source: 'SLO',
    expectedLength: plan.length,
    maxGetTimeSeconds: settings.maxGetTimeSeconds,
    rateLimitAfterSegment: settings.rateLimitAfterSegment,
    rateLimitSegmentsPerSec: settings.rateLimitSegmentsPerSec,
  });
  const out = { ...headers, 'Content-Length': plan.length };
  if (!ranges) return { status: 200, headers: out, body };
  if (ranges.length === 1) {
    return {
      status: 206,
      headers: { ...out, 'Content-Range': contentRange(ranges[0]!, size) },
      body,
    };
  }
  setHeaderIn(out, 'Content-Type', `multipart/byteranges;boundary=${plan.boundary}`);
  return { status: 206, headers: out, body };
}

/** `?multipart-manifest=get`: the manifest itself (JSON), or as PUT with `&format=raw`. */
async function manifestGet(
  req: ProxyRequest,
  next: App,
  settings: SloReadSettings,
): Promise<ProxyResponse> {
  const response = await next(req);
  if (!isSloResponse(response)) return response;
  if (req.query.get('format') !== 'raw' || req.method !== 'GET' || response.status !== 200) {
    const type = headerOf(response, 'content-type');
    if (req.query.get('format') === 'raw') {
      if (type !== undefined)
        setHeaderIn(response.headers, 'Content-Type', withoutSwiftBytes(type));
    } else setHeaderIn(response.headers, 'Content-Type', 'application/json; charset=utf-8');
    return response;
  }
  const stored = await readBounded(response, settings.maxManifestSize * 2, unreadableManifest);
  let raw: Buffer;
  try {
    raw = rawManifest(stored);
  } catch {
    throw unreadableManifest();
  }
  const headers = headersWithout(response, ['content-length', 'etag']);
  const type = headerOf(response, 'content-type');
  // The large object's own type, not JSON: so a copy of it PUTs what the client PUT.
  if (type !== undefined) setHeaderIn(headers, 'Content-Type', withoutSwiftBytes(type));
  headers['Content-Length'] = raw.length;
  headers.Etag = createHash('md5').update(raw).digest('hex');
  return { status: 200, headers, body: raw };
}

/** Swift hides `swift_bytes` from clients whatever the object. */
function cleanType(response: ProxyResponse): ProxyResponse {
  const type = headerOf(response, 'content-type');
  if (type !== undefined && type.includes('swift_bytes='))
    setHeaderIn(response.headers, 'Content-Type', withoutSwiftBytes(type));
  return response;
}
