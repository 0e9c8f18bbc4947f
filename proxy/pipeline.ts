/**
 * The proxy's middleware pipeline, Swift's WSGI pipeline in TypeScript: every filter is
 * `(req, next) => Promise<response>` and may act before and after the rest of the pipeline.
 * `compose` chains them (as Hono's compose does) around the final app, the controllers.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from '../common/logger.js';

export type HeaderMap = Record<string, string>;

export interface ProxyRequest {
  method: string;
  /** The path as received, still percent-encoded (e.g. `/v1/AUTH_test/c/o%20x`). */
  rawPath: string;
  query: URLSearchParams;
  /** Lower-case names; repeated headers joined with a comma. Filters may change them. */
  headers: HeaderMap;
  /** The client's body, streamed. */
  body: IncomingMessage | Readable;
  clientIp: string;
  txId: string;
  log: Logger;
  /** Per-request state filters share (Swift's WSGI environ), e.g. the authorized identity. */
  env: Map<string, unknown>;
  /** For `Expect: 100-continue`: ask the client for the body (no-op otherwise). */
  continueBody(): void;
}

export interface ProxyResponse {
  status: number;
  headers: Record<string, string | number>;
  /** A stream is piped with backpressure; strings and buffers are sent whole. */
  body?: string | Buffer | Readable;
}

export type App = (req: ProxyRequest) => Promise<ProxyResponse>;
export type Middleware = (req: ProxyRequest, next: App) => Promise<ProxyResponse>;

/**
 * Chains middlewares around `app`. A filter may call `next` once per request object: again
 * with the same request is a bug and throws; with a new request (a subrequest, such as a
 * large object's segments or a copy's source) it runs the rest of the pipeline for that one.
 */
export function compose(middlewares: readonly Middleware[], app: App): App {
  const dispatch = (i: number, current: ProxyRequest): Promise<ProxyResponse> => {
    const middleware = middlewares[i];
    if (!middleware) return app(current);
    const passed = new WeakSet<ProxyRequest>();
    return middleware(current, (nextReq) => {
      if (passed.has(nextReq)) return Promise.reject(new Error('next() called multiple times'));
      passed.add(nextReq);
      return dispatch(i + 1, nextReq);
    });
  };
  return (req) => dispatch(0, req);
}

/** Builds a response with a text body and its length. */
export function textResponse(
  status: number,
  body: string,
  headers: Record<string, string | number> = {},
): ProxyResponse {
  return { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', ...headers }, body };
}
