/**
 * Reading objects that may be large-object manifests, for the SLO and DLO filters: telling
 * one from a response, looking again when a response said too little, and reading manifests
 * and listings (small, bounded bodies) whole.
 */
import { StratusError } from '../../common/errors.js';
import { truthy } from '../controllers/helpers.js';
import type { App, HeaderMap, ProxyRequest, ProxyResponse } from '../pipeline.js';
import { makeSubrequest } from '../subrequest.js';
import { bodyStream, discardBody, headerOf } from '../subresponse.js';
import { runSubrequest } from './segmented-body.js';

export const SLO_ETAG = 'x-object-sysmeta-slo-etag';
export const SLO_SIZE = 'x-object-sysmeta-slo-size';

/**
 * True for a response describing a Static Large Object manifest. The system metadata counts
 * too: a POST to the object replaces X-Static-Large-Object on the storage nodes (which, unlike
 * Swift's, do not keep it across POSTs), but never the system metadata written with it.
 */
export function isSloResponse(response: ProxyResponse): boolean {
  return (
    truthy(headerOf(response, 'x-static-large-object')) ||
    headerOf(response, SLO_ETAG) !== undefined
  );
}

/** Request headers a subrequest made for the client keeps (referrer ACLs, X-Newest). */
export function forwardedHeaders(req: ProxyRequest): HeaderMap {
  const headers: HeaderMap = {};
  for (const name of ['referer', 'x-newest'])
    if (req.headers[name] !== undefined) headers[name] = req.headers[name];
  return headers;
}

/**
 * The object as stored (a HEAD without Range or conditions), for when a ranged read came
 * back 416: the object server judged the Range against the stored manifest and, refusing
 * it, said nothing about what the object is. Undefined when the object cannot be read.
 */
export async function storedObject(
  req: ProxyRequest,
  next: App,
  source: string,
): Promise<ProxyResponse | undefined> {
  const probe = await runSubrequest(
    next,
    makeSubrequest(req, {
      method: 'HEAD',
      path: req.rawPath,
      query: 'multipart-manifest=get',
      headers: forwardedHeaders(req),
      source,
    }),
  );
  discardBody(probe);
  return probe.status >= 200 && probe.status < 300 ? probe : undefined;
}

/**
 * True when a ranged read failed in a way that may hide a manifest: 416 (the Range judged
 * against the stored manifest, whose headers a 416 does not carry) or a server error (the
 * object server fails a suffix Range on an empty object, which a DLO manifest usually is).
 */
export function rangeRefused(req: ProxyRequest, response: ProxyResponse): boolean {
  return req.headers.range !== undefined && (response.status === 416 || response.status >= 500);
}

/** The same request again, as a subrequest (the client's request object may pass `next` once). */
export function repeatRequest(req: ProxyRequest, source: string): ProxyRequest {
  return makeSubrequest(req, {
    method: req.method,
    path: req.rawPath,
    query: new URLSearchParams(req.query),
    headers: { ...req.headers },
    source,
  });
}

/** A body read whole, refused (as `error`) past `limit` bytes. */
export async function readBounded(
  response: ProxyResponse,
  limit: number,
  error: () => Error,
): Promise<Buffer> {
  const stream = bodyStream(response);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) throw error();
      chunks.push(chunk);
    }
  } finally {
    if (!stream.readableEnded && !stream.destroyed) stream.destroy();
  }
  return Buffer.concat(chunks);
}

/** Last-Modified as whole seconds (what conditional requests compare), 0 when absent. */
export function lastModifiedSeconds(response: ProxyResponse): number {
  const millis = Date.parse(headerOf(response, 'last-modified') ?? '');
  return Number.isNaN(millis) ? 0 : Math.floor(millis / 1000);
}

/** Response headers without the named ones (any case). */
export function headersWithout(
  response: ProxyResponse,
  names: readonly string[],
): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(response.headers))
    if (!names.includes(name.toLowerCase())) out[name] = value;
  return out;
}

/** 500 for a stored manifest that cannot be read (Swift: `Unable to load SLO manifest`). */
export const unreadableManifest = (): StratusError =>
  new StratusError('INTERNAL', 'Unable to load SLO manifest');

/** A header's value in a response's headers, whatever the case of its name. */
export function headerIn(
  headers: Record<string, string | number>,
  name: string,
): string | undefined {
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase() === name.toLowerCase()) return String(value);
  return undefined;
}

/** Sets a header, replacing any spelling of it already there. */
export function setHeaderIn(
  headers: Record<string, string | number>,
  name: string,
  value: string,
): void {
  for (const key of Object.keys(headers))
    if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
  headers[name] = value;
}
