/**
 * Subrequests: requests a middleware makes on the user's behalf (a large object's segments,
 * a copy's source, a version archive) and sends down the rest of the pipeline. They carry the
 * parent's identity and authorizer, so a user can never reach through a subrequest what they
 * could not reach directly, and its transaction id, so the logs tie them together.
 */
import { Readable } from 'node:stream';
import type { HeaderMap, ProxyRequest } from './pipeline.js';

export interface SubrequestInit {
  method: string;
  /** Percent-encoded path, e.g. `/v1/AUTH_test/c/o`. */
  path: string;
  query?: URLSearchParams | string;
  headers?: HeaderMap;
  body?: Readable | Buffer | string;
  /** Who made it (`SLO`, `COPY`, …), for logs. */
  source: string;
}

export function makeSubrequest(parent: ProxyRequest, init: SubrequestInit): ProxyRequest {
  const headers: HeaderMap = {};
  for (const [name, value] of Object.entries(init.headers ?? {}))
    headers[name.toLowerCase()] = value;
  const body =
    init.body instanceof Readable
      ? init.body
      : Readable.from(init.body === undefined ? [] : [Buffer.from(init.body)]);
  const env = new Map(parent.env);
  env.set('swift.source', init.source);
  return {
    method: init.method,
    rawPath: init.path,
    query: new URLSearchParams(init.query ?? ''),
    headers,
    body,
    clientIp: parent.clientIp,
    txId: parent.txId,
    log: parent.log.child({ source: init.source }),
    env,
    continueBody: () => undefined,
  };
}

/** Percent-encodes a `/v1/account/container/object` path from its parts. */
export function apiPath(account: string, container?: string, object?: string): string {
  let path = `/v1/${encodeURIComponent(account)}`;
  if (container !== undefined) path += `/${encodeURIComponent(container)}`;
  if (object !== undefined) path += `/${object.split('/').map(encodeURIComponent).join('/')}`;
  return path;
}
