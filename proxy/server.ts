/**
 * The proxy's HTTP server: raw node:http (express measured 4× slower on small requests), the
 * pipeline from proxy-server.conf, bodies streamed both ways with backpressure. Node's
 * 5-minute requestTimeout is off: uploads are guarded per chunk by client_timeout instead.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sendBody } from '../common/send-body.js';
import { StratusError, describeError } from '../common/errors.js';
import { generateTransId, requestLogger } from '../common/logger.js';
import { proxyApp } from './app.js';
import { destroyQuietly } from './subresponse.js';
import type { ProxyContext } from './context.js';
import { errorToResponse } from './middleware/catch-errors.js';
import { filterFactory, REQUIRED_FIRST } from './middleware/index.js';
import {
  compose,
  type App,
  type HeaderMap,
  type ProxyRequest,
  type ProxyResponse,
} from './pipeline.js';

/** Builds the pipeline named in the config, with catch_errors and gatekeeper forced in front. */
export function buildPipeline(ctx: ProxyContext): App {
  const names = ctx.config.pipeline.map((name) => name.replace(/-/g, '_'));
  if (names[names.length - 1] !== 'proxy_server') {
    throw new StratusError(
      'CONFIG_INVALID',
      `[pipeline:main] pipeline must end with proxy-server, got ${names.join(' ')}`,
    );
  }
  const filters = [
    ...REQUIRED_FIRST.filter((name) => !names.includes(name)),
    ...names.slice(0, -1),
  ];
  const middlewares = filters.map((name) => {
    const factory = filterFactory(name);
    if (!factory)
      throw new StratusError('CONFIG_INVALID', `[pipeline:main] names unknown filter ${name}`);
    const section = ctx.file.has(`filter:${name}`)
      ? `filter:${name}`
      : `filter:${name.replace(/_/g, '-')}`;
    return factory(ctx.file.section(section), ctx);
  });
  return compose(middlewares, proxyApp(ctx));
}

export function createProxyServer(ctx: ProxyContext): Server {
  const app = buildPipeline(ctx);
  const server = createServer({
    requestTimeout: 0,
    headersTimeout: 60_000,
    keepAliveTimeout: 75_000,
    maxHeaderSize: 16_384,
  });
  const handle = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean) => {
    void serve(ctx, app, req, res, expectContinue);
  };
  server.on('request', (req, res) => handle(req, res, false));
  server.on('checkContinue', (req, res) => handle(req, res, true));
  server.on('clientError', (err, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    ctx.logger.debug({ err: describeError(err) }, 'client error');
  });
  return server;
}

async function serve(
  ctx: ProxyContext,
  app: App,
  req: IncomingMessage,
  res: ServerResponse,
  expectContinue: boolean,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://proxy');
  const headers: HeaderMap = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const txId = generateTransId(headers['x-trans-id-extra'] ?? '');
  let continued = !expectContinue;
  const request: ProxyRequest = {
    method: req.method ?? 'GET',
    rawPath: url.pathname,
    query: url.searchParams,
    headers,
    body: req,
    clientIp: req.socket.remoteAddress ?? '-',
    txId,
    log: requestLogger(ctx.logger, txId),
    env: new Map(),
    continueBody() {
      if (!continued) {
        continued = true;
        res.writeContinue();
      }
    },
  };
  const started = process.hrtime.bigint();
  let response: ProxyResponse;
  try {
    if (request.rawPath === '/metrics' && request.method === 'GET') {
      const { contentType, body } = await ctx.metrics.render();
      response = { status: 200, headers: { 'Content-Type': contentType }, body };
    } else {
      response = await app(request);
    }
  } catch (err) {
    // Only reached when the pipeline has no catch_errors in front: still never a crash.
    request.log.error({ err }, 'unhandled error');
    response = errorToResponse(err);
    response.headers['X-Trans-Id'] = txId;
    response.headers['X-Openstack-Request-Id'] = txId;
  }
  if (!continued) res.shouldKeepAlive = false;
  try {
    await send(req, res, response);
  } catch (err) {
    request.log.info({ err: describeError(err) }, 'response not completed');
    res.destroy();
  }
  ctx.metrics.request(
    'proxy-server',
    request.method,
    response.status,
    Number(process.hrtime.bigint() - started) / 1e9,
    Number(headers['content-length'] ?? 0),
    Number(res.getHeader('content-length') ?? 0),
  );
}

async function send(
  req: IncomingMessage,
  res: ServerResponse,
  response: ProxyResponse,
): Promise<void> {
  const { body } = response;
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
    const bytes = body === undefined ? undefined : Buffer.from(body);
    if (bytes && !res.hasHeader('Content-Length')) res.setHeader('Content-Length', bytes.length);
    if (
      !bytes &&
      !res.hasHeader('Content-Length') &&
      response.status !== 204 &&
      response.status !== 304 &&
      req.method !== 'HEAD'
    ) {
      res.setHeader('Content-Length', 0);
    }
    res.writeHead(response.status);
    res.end(req.method === 'HEAD' ? undefined : bytes);
    return;
  }
  res.writeHead(response.status);
  if (req.method === 'HEAD') {
    destroyQuietly(body);
    res.end();
    return;
  }
  await sendBody(body, res);
}
