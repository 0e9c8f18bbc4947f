/**
 * `PUT ?multipart-manifest=put`: a Static Large Object's manifest. The JSON list of segments
 * is checked (400 with Swift's per-index messages), every segment object is HEADed through
 * the pipeline as the user (existence, ETag, size_bytes, range, at least one byte but the
 * last), and only when all of them pass is the manifest stored: Swift's JSON form as the
 * body, `X-Static-Large-Object: True`, the total in `Content-Type: …;swift_bytes=N`, and the
 * large object's size and ETag in system metadata. A failed check stores nothing and answers
 * 400 listing the problems (bulk style, by Accept); the created manifest answers with the
 * large object's quoted ETag. `&heartbeat=on` answers 202 at once, sends a space now and
 * then while the segments are checked, and puts the real outcome in the body.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import mime from 'mime-types';
import { clientChunks } from '../../common/client-body.js';
import { hasCode, statusOf, StratusError } from '../../common/errors.js';
import { statusText, swiftErrorBody } from '../../common/http-status.js';
import {
  bestFormat,
  contentTypeOf,
  quotePath,
  statusLine,
  type BulkFormat,
} from '../bulk/formats.js';
import { truthy } from '../controllers/helpers.js';
import { parseApiPath, type ApiPath } from '../path.js';
import type { App, ProxyRequest, ProxyResponse } from '../pipeline.js';
import { apiPath, makeSubrequest } from '../subrequest.js';
import { headerOf, readBody, setHeader } from '../subresponse.js';
import { resolveRange } from './byte-ranges.js';
import {
  parseManifestInput,
  serializeManifest,
  sloEtag,
  splitSegmentPath,
  withoutSwiftBytes,
  type ObjectSegmentInput,
  type SegmentInput,
  type StoredObjectSegment,
  type StoredSegment,
} from './manifest.js';
import { SLO_ETAG, SLO_SIZE } from './object-read.js';
import { resultBody, type ErrorList, type Summary } from './result-body.js';
import { runSubrequest } from './segmented-body.js';
import type { SloReadSettings } from './slo-body.js';
import { sloGetOrHead } from './slo-get.js';

export interface SloPutSettings extends SloReadSettings {
  maxManifestSegments: number;
  yieldFrequencySeconds: number;
  /** Segment HEADs in flight at once (Swift's `concurrency`, 2). */
  concurrency: number;
  clientTimeoutSeconds: number;
}

/** A checked manifest, ready to store. */
interface Checked {
  segments: StoredSegment[];
  problems: ErrorList;
  totalSize: number;
}

export async function sloPut(
  req: ProxyRequest,
  next: App,
  settings: SloPutSettings,
): Promise<ProxyResponse> {
  const path = parseApiPath(req.rawPath)!;
  if (req.headers['x-copy-from'] !== undefined)
    throw new StratusError('METHOD_NOT_ALLOWED', 'Multipart Manifest PUTs cannot be COPY requests');
  const body = await readManifestBody(req, settings);
  const inputs = parseManifestInput(body.toString('utf8'), {
    container: path.container!,
    object: path.object!,
  });
  if (inputs.filter((seg) => seg.kind === 'object').length > settings.maxManifestSegments) {
    throw new StratusError(
      'TOO_LARGE',
      `Number of object-backed segments must be <= ${settings.maxManifestSegments}`,
    );
  }
  const format = bestFormat(req.headers.accept) ?? 'text/plain';
  if (truthy(req.query.get('heartbeat') ?? undefined))
    return withHeartbeat(req, next, path, inputs, format, settings);
  const checked = await checkSegments(req, next, path, inputs, settings);
  if (checked.problems.length > 0) {
    return {
      status: 400,
      headers: { 'Content-Type': contentTypeOf(format) },
      body: resultBody(format, [], checked.problems, 'upload'),
    };
  }
  return store(req, next, path, checked);
}

/** The manifest body: 411 without a length, 413 over max_manifest_size. */
async function readManifestBody(req: ProxyRequest, settings: SloPutSettings): Promise<Buffer> {
  const text = req.headers['content-length'];
  const chunked = (req.headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked');
  const tooLarge = () =>
    new StratusError('TOO_LARGE', `Manifest File > ${settings.maxManifestSize} bytes`);
  if (chunked) {
    // The length is what the chunks say.
  } else if (text === undefined) {
    throw new StratusError('LENGTH_REQUIRED', 'Length Required');
  } else if (!/^\d+$/.test(text)) {
    throw new StratusError('BAD_REQUEST', 'Invalid Content-Length header value');
  } else if (Number(text) > settings.maxManifestSize) {
    throw tooLarge();
  }
  req.continueBody();
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of clientChunks(req.body, {
      timeoutSeconds: settings.clientTimeoutSeconds,
      length: chunked ? undefined : Number(text),
      maxBytes: settings.maxManifestSize,
    }))
      chunks.push(chunk);
  } catch (err) {
    if (hasCode(err, 'TOO_LARGE')) throw tooLarge();
    throw err;
  }
  return Buffer.concat(chunks);
}

/** Swift's datetime.strftime('%Y-%m-%dT%H:%M:%S.%f') of an HTTP date. */
function listingDate(httpDate: string | undefined): string {
  const millis = Date.parse(httpDate ?? '');
  const iso = new Date(Number.isNaN(millis) ? Date.now() : millis).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000`;
}

/** HEADs every distinct segment (as the large object it may be) and checks each use of it. */
async function checkSegments(
  req: ProxyRequest,
  next: App,
  path: ApiPath,
  inputs: SegmentInput[],
  settings: SloPutSettings,
): Promise<Checked> {
  const found: ErrorList[] = [];
  const stored: StoredSegment[] = new Array<StoredSegment>(inputs.length);
  let totalSize = 0;
  const uses = new Map<string, number[]>();
  for (const [index, seg] of inputs.entries()) {
    if (seg.kind === 'data') {
      stored[index] = { data: seg.data.toString('base64') };
      totalSize += seg.data.length;
    } else {
      uses.set(seg.path, [...(uses.get(seg.path) ?? []), index]);
    }
  }
  const paths = [...uses.keys()];
  let cursor = 0;
  const worker = async () => {
    while (cursor < paths.length) {
      const segPath = paths[cursor++]!;
      const head = await headSegment(req, next, path.account, segPath, settings);
      for (const index of uses.get(segPath)!) {
        const result = checkOne(
          inputs[index] as ObjectSegmentInput,
          head,
          index === inputs.length - 1,
        );
        found[index] = result.problems;
        stored[index] = result.stored;
        totalSize += result.length;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, settings.concurrency) }, worker));
  // Problems in manifest order, whatever order the HEADs finished in.
  return { segments: stored, problems: found.flat(), totalSize };
}

async function headSegment(
  req: ProxyRequest,
  next: App,
  account: string,
  segPath: string,
  settings: SloPutSettings,
): Promise<ProxyResponse> {
  const { container, object } = splitSegmentPath(segPath);
  const sub = makeSubrequest(req, {
    method: 'HEAD',
    path: apiPath(account, container, object),
    headers: req.headers.referer !== undefined ? { referer: req.headers.referer } : {},
    source: 'SLO',
  });
  // Through this filter's own HEAD, so a nested large object reports its total size and ETag.
  return runSubrequest((r) => sloGetOrHead(r, next, settings), sub);
}

/** Swift's validate_seg_dict: one use of a segment against its HEAD. */
function checkOne(
  input: ObjectSegmentInput,
  head: ProxyResponse,
  isLast: boolean,
): { problems: ErrorList; stored: StoredSegment; length: number } {
  const name = quotePath(input.path);
  const problems: ErrorList = [];
  const placeholder: StoredSegment = { data: '' };
  if (head.status < 200 || head.status >= 300)
    return { problems: [[name, statusLine(head.status)]], stored: placeholder, length: 0 };
  const size = Number(headerOf(head, 'content-length') ?? 0);
  const etag = (headerOf(head, 'etag') ?? '').replace(/"/g, '');
  let length = size;
  let range: string | undefined;
  if (input.range) {
    const resolved = resolveRange(input.range, size);
    if (!resolved) problems.push([name, 'Unsatisfiable Range']);
    else if (resolved[0] !== 0 || resolved[1] !== size - 1) {
      range = `${resolved[0]}-${resolved[1]}`;
      length = resolved[1] - resolved[0] + 1;
    }
  }
  if (length < 1 && !isLast)
    problems.push([name, 'Too small; each segment must be at least 1 byte.']);
  if (input.sizeBytes !== undefined && input.sizeBytes !== size)
    problems.push([name, 'Size Mismatch']);
  if (input.etag !== undefined && input.etag !== etag) problems.push([name, 'Etag Mismatch']);
  const stored: StoredObjectSegment = {
    name: `/${input.path.replace(/^\/+/, '')}`,
    bytes: size,
    hash: etag,
    content_type: (headerOf(head, 'content-type') ?? '').split(';')[0]!.trim(),
    last_modified: listingDate(headerOf(head, 'last-modified')),
  };
  if (range !== undefined) stored.range = range;
  if (truthy(headerOf(head, 'x-static-large-object'))) stored.sub_slo = true;
  return { problems, stored, length };
}

/** Stores the checked manifest by sending the client's PUT on with the manifest as body. */
async function store(
  req: ProxyRequest,
  next: App,
  path: ApiPath,
  checked: Checked,
): Promise<ProxyResponse> {
  const etag = sloEtag(checked.segments);
  const clientEtag = req.headers.etag?.replace(/^"(.*)"$/, '$1');
  if (clientEtag && clientEtag !== etag)
    throw new StratusError('ETAG_MISMATCH', 'Unprocessable Entity');
  const json = serializeManifest(checked.segments);
  let type = req.headers['content-type'];
  if (!type || truthy(req.headers['x-detect-content-type']))
    type = mime.lookup(path.object!) || 'application/octet-stream';
  // The stored type carries the total, so listings show the large object's size.
  type = `${withoutSwiftBytes(type)};swift_bytes=${checked.totalSize}`;
  const headers = req.headers;
  for (const name of ['transfer-encoding', 'x-detect-content-type', 'expect', 'etag'])
    delete headers[name];
  Object.assign(headers, {
    'content-type': type,
    'content-length': String(json.length),
    etag: createHash('md5').update(json).digest('hex'),
    'x-static-large-object': 'True',
    [SLO_ETAG]: etag,
    [SLO_SIZE]: String(checked.totalSize),
  });
  req.body = Readable.from([json]);
  const response = await next(req);
  if (response.status >= 200 && response.status < 300) setHeader(response, 'Etag', `"${etag}"`);
  return response;
}

/** `&heartbeat=on`: 202 now, whitespace while working, the outcome as a bulk-style body. */
function withHeartbeat(
  req: ProxyRequest,
  next: App,
  path: ApiPath,
  inputs: SegmentInput[],
  format: BulkFormat,
  settings: SloPutSettings,
): ProxyResponse {
  const out = new PassThrough();
  out.write(' ');
  const timer = setInterval(() => out.write(' '), settings.yieldFrequencySeconds * 1000);
  const finish = (summary: Summary, errors: ErrorList) => {
    clearInterval(timer);
    if (!out.destroyed) out.end(`\r\n\r\n${resultBody(format, summary, errors, 'upload')}`);
  };
  const failed = (status: number, body: string): Summary => [
    ['Response Status', statusLine(status)],
    ['Response Body', body || reasonText(status)],
  ];
  void (async () => {
    const checked = await checkSegments(req, next, path, inputs, settings);
    if (checked.problems.length > 0) return finish(failed(400, ''), checked.problems);
    const response = await store(req, next, path, checked);
    const text = (await readBody(response)).toString('utf8');
    const summary: Summary = [['Response Status', statusLine(response.status)]];
    if (response.status >= 200 && response.status < 300) {
      summary.push(['Etag', headerOf(response, 'etag') ?? '']);
      summary.push(['Last Modified', headerOf(response, 'last-modified') ?? '']);
    }
    summary.push(['Response Body', text]);
    finish(summary, []);
  })().catch((err: unknown) => {
    if (!(err instanceof StratusError)) req.log.error({ err }, 'SLO manifest PUT failed');
    const status = statusOf(err);
    finish(failed(status, status === 422 ? '' : err instanceof Error ? err.message : ''), []);
  });
  return { status: 202, headers: { 'Content-Type': contentTypeOf(format) }, body: out };
}

/** Swift's RESPONSE_REASONS text for a status: title and explanation on two lines. */
function reasonText(status: number): string {
  const match = /<h1>(.*)<\/h1><p>(.*)<\/p>/.exec(swiftErrorBody(status));
  return match ? `${match[1]}\n${match[2]}` : statusText(status);
}
