/**
 * `DELETE ?multipart-manifest=delete`: deletes every segment a Static Large Object's
 * manifest names (nested manifests' segments too, then those manifests), then the manifest
 * itself — each a DELETE subrequest as the user. Like Swift (which hands the list to its bulk
 * deleter) it answers `200 OK` at once and reports in the body: `Number Deleted`,
 * `Number Not Found`, `Errors`, `Response Status` and `Response Body`, by Accept, with a
 * space every yield_frequency seconds while it works. Asynchronous deletion (`&async=yes`)
 * needs the object expirer's queue and is not offered (`allow_async_delete: false`).
 */
import { PassThrough } from 'node:stream';
import { statusOf, StratusError } from '../../common/errors.js';
import {
  bestFormat,
  contentTypeOf,
  quotePath,
  statusLine,
  type BulkFormat,
} from '../bulk/formats.js';
import { parseApiPath } from '../path.js';
import type { App, ProxyRequest, ProxyResponse } from '../pipeline.js';
import { apiPath, makeSubrequest } from '../subrequest.js';
import { discardBody } from '../subresponse.js';
import { splitSegmentPath } from './manifest.js';
import { forwardedHeaders, isSloResponse, readBounded } from './object-read.js';
import { resultBody, type ErrorList } from './result-body.js';
import { runSubrequest } from './segmented-body.js';

export interface SloDeleteSettings {
  maxManifestSegments: number;
  maxManifestSize: number;
  deleteConcurrency: number;
  yieldFrequencySeconds: number;
  /** Swift's bulk default: give up after this many failed deletes. */
  maxFailedDeletes: number;
}

/** A name to delete, or the reason its manifest could not be read. */
interface Doomed {
  name: string;
  subSlo: boolean;
  error?: { status: number; message: string };
}

interface Tally {
  deleted: number;
  notFound: number;
  errors: ErrorList;
  failedStatus: number;
}

export function sloDelete(
  req: ProxyRequest,
  next: App,
  settings: SloDeleteSettings,
): ProxyResponse {
  const format = bestFormat(req.headers.accept);
  const out = new PassThrough();
  let separator = '';
  let keepAlive = format?.endsWith('/xml') ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ' ';
  const timer = setInterval(() => {
    out.write(keepAlive);
    keepAlive = ' ';
    separator = '\r\n\r\n';
  }, settings.yieldFrequencySeconds * 1000);
  const tally: Tally = { deleted: 0, notFound: 0, errors: [], failedStatus: 400 };
  void deleteAll(req, next, format, settings, tally, () => out.destroyed)
    .then(([status, body]) => [status, body] as const)
    .catch((err: unknown) => {
      if (!(err instanceof StratusError)) req.log.error({ err }, 'SLO delete failed');
      return [statusLine(statusOf(err)), err instanceof Error ? err.message : ''] as const;
    })
    .then(([status, body]) => {
      clearInterval(timer);
      const text = resultBody(
        format,
        [
          ['Response Status', status],
          ['Response Body', body],
          ['Number Deleted', tally.deleted],
          ['Number Not Found', tally.notFound],
        ],
        tally.errors,
        'delete',
      );
      if (!out.destroyed) out.end(separator + text);
    });
  return {
    status: 200,
    headers: format ? { 'Content-Type': contentTypeOf(format) } : {},
    body: out,
  };
}

/** Deletes everything; returns the final Response Status and Response Body. */
async function deleteAll(
  req: ProxyRequest,
  next: App,
  format: BulkFormat | undefined,
  settings: SloDeleteSettings,
  tally: Tally,
  gone: () => boolean,
): Promise<[string, string]> {
  if (!format) throw new StratusError('NOT_ACCEPTABLE', '');
  const path = parseApiPath(req.rawPath)!;
  const doomed = toDelete(req, next, path.account, `/${path.container}/${path.object}`, settings);
  const worker = async () => {
    for (;;) {
      if (gone() || tally.errors.length >= settings.maxFailedDeletes) return;
      const step = await doomed.next();
      if (step.done) return;
      await deleteOne(req, next, path.account, step.value, tally);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, settings.deleteConcurrency) }, worker));
  if (tally.errors.length >= settings.maxFailedDeletes)
    throw new StratusError('BAD_REQUEST', 'Max delete failures exceeded');
  if (tally.errors.length > 0) return [statusLine(tally.failedStatus), ''];
  if (tally.deleted === 0 && tally.notFound === 0) return [statusLine(400), 'Invalid bulk delete.'];
  return [statusLine(200), ''];
}

/**
 * The names to delete, segments before the manifests naming them (Swift's
 * get_segments_to_delete_iter): manifests are read as they come up, and a manifest that
 * cannot be read is reported in the results instead of stopping the rest.
 */
async function* toDelete(
  req: ProxyRequest,
  next: App,
  account: string,
  top: string,
  settings: SloDeleteSettings,
): AsyncGenerator<Doomed> {
  const queue: Doomed[] = [{ name: top, subSlo: true }];
  while (queue.length > 0) {
    if (queue.length > settings.maxManifestSegments * 10)
      throw new StratusError('BAD_REQUEST', 'Too many buffered slo segments to delete.');
    const seg = queue.shift()!;
    if (!seg.subSlo) {
      yield seg;
      continue;
    }
    try {
      queue.push(...(await segmentsOf(req, next, account, seg.name, settings)));
    } catch (err) {
      seg.error = { status: statusOf(err), message: err instanceof Error ? err.message : '' };
    }
    // The manifest itself goes after its segments.
    queue.push({ ...seg, subSlo: false });
  }
}

/** A manifest's segments, or Swift's errors: 404, 400 (not a manifest), 401, 500. */
async function segmentsOf(
  req: ProxyRequest,
  next: App,
  account: string,
  name: string,
  settings: SloDeleteSettings,
): Promise<Doomed[]> {
  const { container, object } = splitSegmentPath(name);
  const response = await runSubrequest(
    next,
    makeSubrequest(req, {
      method: 'GET',
      path: apiPath(account, container, object),
      query: 'multipart-manifest=get',
      headers: forwardedHeaders(req),
      source: 'SLO',
    }),
  );
  if (response.status >= 200 && response.status < 300) {
    if (!isSloResponse(response)) {
      discardBody(response);
      throw new StratusError('BAD_REQUEST', 'Not an SLO manifest');
    }
    const unreadable = () => new StratusError('INTERNAL', 'Unable to load SLO manifest');
    let parsed: unknown;
    try {
      parsed = JSON.parse(
        (await readBounded(response, settings.maxManifestSize * 2, unreadable)).toString('utf8'),
      );
    } catch {
      throw unreadable();
    }
    if (!Array.isArray(parsed)) throw unreadable();
    return (parsed as Record<string, unknown>[])
      .filter((seg) => typeof seg?.name === 'string')
      .map((seg) => ({
        name: seg.name as string,
        subSlo: seg.sub_slo === true || String(seg.sub_slo).toLowerCase() === 'true',
      }));
  }
  discardBody(response);
  if (response.status === 404) throw new StratusError('NOT_FOUND', 'SLO manifest not found');
  if (response.status === 401) throw new StratusError('UNAUTHORIZED', '401 Unauthorized');
  throw new StratusError('INTERNAL', 'Unable to load SLO manifest or segment.');
}

async function deleteOne(
  req: ProxyRequest,
  next: App,
  account: string,
  seg: Doomed,
  tally: Tally,
): Promise<void> {
  const quoted = quotePath(seg.name);
  if (seg.error) {
    if (seg.error.status === 404) tally.notFound++;
    else tally.errors.push([quoted, seg.error.message]);
    return;
  }
  const { container, object } = splitSegmentPath(seg.name);
  const response = await runSubrequest(
    next,
    makeSubrequest(req, {
      method: 'DELETE',
      path: apiPath(account, container, object),
      headers: { 'content-length': '0' },
      source: 'SLO',
    }),
  );
  discardBody(response);
  const status = response.status;
  if (status >= 200 && status < 300) tally.deleted++;
  else if (status === 404) tally.notFound++;
  else {
    if (status >= 500) tally.failedStatus = 502;
    tally.errors.push([quoted, statusLine(status)]);
  }
}
