/** Small pieces every controller uses. */
import { errorBody } from '../../common/http-status.js';
import { Timestamp } from '../../common/timestamp.js';
import type { BackendReply } from '../backend/client.js';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';
import { clientHeaders } from './headers.js';

/** Headers every backend request carries. */
export function baseHeaders(req: ProxyRequest, timestamp?: Timestamp): Record<string, string> {
  const headers: Record<string, string> = { 'X-Trans-Id': req.txId };
  if (timestamp) headers['X-Timestamp'] = timestamp.internal;
  return headers;
}

/** The client's response for a streamed backend reply. */
export function relay(reply: BackendReply, drop?: (name: string) => boolean): ProxyResponse {
  return { status: reply.status, headers: clientHeaders(reply.headers, drop), body: reply.body };
}

/** A response for a status the quorum decided: empty, or Swift's error page for errors. */
export function statusOnly(
  status: number,
  headers: Record<string, string | number> = {},
): ProxyResponse {
  if (status >= 400) {
    const { body, contentType } = errorBody(status, undefined);
    return { status, headers: { 'Content-Type': contentType, ...headers }, body };
  }
  const bodyless = status === 204 || status === 304;
  return { status, headers: bodyless ? headers : { 'Content-Length': 0, ...headers } };
}

/** The newest of several replies by X-Backend-Timestamp (X-Put-Timestamp for listings). */
export function newestReply<T extends { headers: Record<string, string> }>(
  replies: T[],
): T | undefined {
  let best: T | undefined;
  let bestStamp: Timestamp | undefined;
  for (const reply of replies) {
    const text =
      reply.headers['x-backend-timestamp'] ??
      reply.headers['x-backend-put-timestamp'] ??
      reply.headers['x-put-timestamp'];
    let stamp: Timestamp | undefined;
    try {
      stamp = text ? Timestamp.parse(text) : undefined;
    } catch {
      stamp = undefined;
    }
    if (!best || (stamp && (!bestStamp || stamp.isNewerThan(bestStamp)))) {
      best = reply;
      bestStamp = stamp;
    }
  }
  return best;
}

/** `true`, `yes`, `1`, `on` (any case), as Swift reads boolean headers. */
export function truthy(value: string | undefined): boolean {
  return (
    value !== undefined && ['true', 'yes', '1', 'on', 't', 'y'].includes(value.trim().toLowerCase())
  );
}
