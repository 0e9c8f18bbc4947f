/**
 * How bulk operations answer: `200 OK` at once, then — while the work goes on — a space every
 * `yield_frequency` seconds so neither the client nor a load balancer gives up on a long
 * request, then the result body (after a blank line when anything was sent before it). The
 * first keep-alive of an XML answer is the XML declaration, as in Swift.
 */
import { PassThrough } from 'node:stream';
import type { ProxyResponse } from '../pipeline.js';
import { contentTypeOf, type BulkFormat } from './formats.js';

export interface BulkWork {
  /** True once the client has gone away: stop starting new subrequests. */
  aborted(): boolean;
}

export function streamingBulkResponse(
  format: BulkFormat | undefined,
  yieldFrequencySeconds: number,
  clientGone: () => boolean,
  work: (progress: BulkWork) => Promise<string>,
  onError: (err: unknown) => string,
): ProxyResponse {
  const out = new PassThrough();
  let separator = '';
  let next = format?.endsWith('/xml') ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ' ';
  const timer = setInterval(() => {
    out.write(next);
    next = ' ';
    separator = '\r\n\r\n';
  }, yieldFrequencySeconds * 1000);
  const progress: BulkWork = { aborted: () => out.destroyed || clientGone() };
  work(progress)
    .catch(onError)
    .then((body) => {
      clearInterval(timer);
      if (!out.destroyed) out.end(separator + body);
    })
    .catch(() => clearInterval(timer));
  return {
    status: 200,
    headers: format ? { 'Content-Type': contentTypeOf(format) } : {},
    body: out,
  };
}
