/**
 * The backend HTTP server every storage-node app runs on: raw node:http, per-request
 * transaction ids and logging, `Expect: 100-continue` handed to the app (so a PUT can be
 * refused with 507/409 before the body is sent), and the one place where thrown errors
 * become statuses and Swift's error bodies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sendBody } from '../../common/send-body.js';
import { describeError, statusOf, StratusError } from '../../common/errors.js';
import { errorBody } from '../../common/http-status.js';
import { generateTransId, requestLogger, type Logger } from '../../common/logger.js';
import type { Metrics } from '../../common/metrics.js';
import { parseBackendPath, parsePartitionPath } from './backend-path.js';
import { REPLICATION_METHOD } from './types.js';
import type { BackendApp, BackendMethod, BackendRequest, BackendResponse } from './types.js';

export interface BackendServerOptions {
  logger: Logger;
  /** Seconds to wait for request headers (Swift's client_timeout also bounds body chunks). */
  headersTimeout?: number;
  /** Counts every request, and answers `GET /metrics`. */
  metrics?: Metrics;
  /** Answers `GET /recon` (the node's state, for the status command). */
  recon?: () => Promise<object>;
}

export function createBackendServer(app: BackendApp, options: BackendServerOptions): Server {
  const server = createServer({
    requestTimeout: 0, // uploads may take hours; per-chunk timeouts guard them instead
    headersTimeout: (options.headersTimeout ?? 60) * 1000,
    keepAliveTimeout: 75_000, // above the proxy's pool idle timeout, so the proxy closes first
  });
  const handle = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void => {
    void serve(app, options, req, res, expectContinue);
  };
  server.on('request', (req, res) => handle(req, res, false));
  server.on('checkContinue', (req, res) => handle(req, res, true));
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    options.logger.debug({ err: describeError(err) }, 'client error');
  });
  return server;
}

async function serve(
  app: BackendApp,
  options: BackendServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  expectContinue: boolean,
): Promise<void> {
  const started = process.hrtime.bigint();
  const txId = headerOf(req, 'x-trans-id') ?? generateTransId();
  const log = requestLogger(options.logger, txId);
  const url = new URL(req.url ?? '/', 'http://backend');
  let response: BackendResponse;
  const reading = req.method === 'GET' || req.method === 'HEAD';
  try {
    if (url.pathname === '/healthcheck' && reading) {
      response = { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'OK' };
    } else if (url.pathname === '/metrics' && reading && options.metrics) {
      const { contentType, body } = await options.metrics.render();
      response = { status: 200, headers: { 'Content-Type': contentType }, body };
    } else if (url.pathname === '/recon' && reading && options.recon) {
      response = {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(await options.recon()),
      };
    } else {
      response = await dispatch(app, req, res, url, txId, log, expectContinue);
    }
  } catch (err) {
    response = errorResponse(err, log);
  }
  const headers = { ...response.headers, 'X-Trans-Id': txId };
  try {
    await send(req, res, response, headers);
  } catch (err) {
    log.info({ err: describeError(err) }, 'response not completed');
    res.destroy();
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  options.metrics?.request(
    app.name,
    req.method ?? 'GET',
    response.status,
    ms / 1000,
    Number(req.headers['content-length'] ?? 0),
    Number(res.getHeader('content-length') ?? 0),
  );
  log.debug(
    { method: req.method, path: url.pathname, status: response.status, ms: Number(ms.toFixed(2)) },
    'request',
  );
}

async function dispatch(
  app: BackendApp,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  txId: string,
  log: Logger,
  expectContinue: boolean,
): Promise<BackendResponse> {
  const method = (req.method ?? 'GET') as BackendMethod;
  if (method === REPLICATION_METHOD && app.replicate) {
    return app.replicate({
      ...parsePartitionPath(url.pathname, app.partitionCount()),
      headers: req.headers,
      query: url.searchParams,
      body: req,
      txId,
      log,
    });
  }
  const handler = app.handlers[method];
  if (!handler) {
    return {
      status: 405,
      headers: {
        Allow: Object.keys(app.handlers).join(', '),
        'Content-Type': 'text/html; charset=UTF-8',
      },
      body: errorBody(405, undefined).body,
    };
  }
  let continued = !expectContinue;
  const request: BackendRequest = {
    method,
    path: parseBackendPath(url.pathname, app.minParts, app.maxParts, app.partitionCount()),
    headers: req.headers,
    query: url.searchParams,
    body: req,
    txId,
    log,
    continueBody() {
      if (!continued) {
        continued = true;
        res.writeContinue();
      }
    },
    header: (name) => headerOf(req, name),
  };
  const response = await handler(request);
  if (!continued && !res.headersSent) {
    // The handler answered without reading the body: the connection cannot be reused.
    res.shouldKeepAlive = false;
  }
  return response;
}

function errorResponse(err: unknown, log: Logger): BackendResponse {
  const status = statusOf(err);
  if (status >= 500 && status !== 503 && status !== 507) {
    log.error({ err }, 'unexpected error');
  } else {
    log.info({ status, reason: describeError(err) }, 'request refused');
  }
  const reason = err instanceof StratusError ? err.message : undefined;
  const { body, contentType } = errorBody(status, reason);
  const extra = err instanceof StratusError ? err.headers : {};
  return { status, headers: { 'Content-Type': contentType, ...extra }, body };
}

async function send(
  req: IncomingMessage,
  res: ServerResponse,
  response: BackendResponse,
  headers: Record<string, string | number | undefined>,
): Promise<void> {
  const { body } = response;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (headers['Content-Length'] === undefined) headers['Content-Length'] = bytes.length;
    writeHead(res, response.status, headers);
    res.end(req.method === 'HEAD' ? undefined : bytes);
    return;
  }
  if (body === undefined) {
    if (
      headers['Content-Length'] === undefined &&
      req.method !== 'HEAD' &&
      response.status !== 204 &&
      response.status !== 304
    ) {
      headers['Content-Length'] = 0;
    }
    writeHead(res, response.status, headers);
    res.end();
    return;
  }
  writeHead(res, response.status, headers);
  if (req.method === 'HEAD') {
    body.destroy();
    res.end();
    return;
  }
  await sendBody(body, res);
}

function writeHead(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number | undefined>,
): void {
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) res.setHeader(name, value);
  res.writeHead(status);
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
