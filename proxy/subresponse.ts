/**
 * Working with responses that come back from the rest of the pipeline (a subrequest's, or
 * the one a filter passes up): header names in any case, bodies as strings, buffers or
 * streams. A middleware that does not forward a body must discard it, so the backend
 * connection behind a stream is released.
 */
import { Readable } from 'node:stream';
import type { ProxyResponse } from './pipeline.js';

/** The response's headers with lower-case names and string values. */
export function lowerHeaders(response: ProxyResponse): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers))
    out[name.toLowerCase()] = String(value);
  return out;
}

export function headerOf(response: ProxyResponse, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(response.headers))
    if (key.toLowerCase() === wanted) return String(value);
  return undefined;
}

/** Removes a header whatever the case of its name. */
export function deleteHeader(response: ProxyResponse, name: string): void {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(response.headers))
    if (key.toLowerCase() === wanted) delete response.headers[key];
}

/** Sets a header, replacing any spelling of it already there. */
export function setHeader(response: ProxyResponse, name: string, value: string | number): void {
  deleteHeader(response, name);
  response.headers[name] = value;
}

/** The body as a stream (empty when there is none). */
export function bodyStream(response: ProxyResponse): Readable {
  const body = response.body;
  if (body instanceof Readable) return body;
  return Readable.from(body === undefined ? [] : [Buffer.from(body)]);
}

/** Drops a body nobody will read; a stream is destroyed so its backend connection is freed. */
export function discardBody(response: ProxyResponse): void {
  if (response.body instanceof Readable) destroyQuietly(response.body);
}

/**
 * Stops a stream nobody will finish reading. undici's bodies emit an abort error when
 * destroyed, which would crash the process without a listener.
 */
export function destroyQuietly(stream: Readable): void {
  if (stream.readableEnded || stream.destroyed) return;
  stream.on('error', () => undefined);
  stream.destroy();
}

/** Reads a (small) body whole: listings, manifests, error pages. */
export async function readBody(response: ProxyResponse): Promise<Buffer> {
  const body = response.body;
  if (body === undefined) return Buffer.alloc(0);
  if (!(body instanceof Readable)) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export const isSuccess = (status: number): boolean => status >= 200 && status < 300;
