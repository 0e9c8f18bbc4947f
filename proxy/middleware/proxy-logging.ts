/**
 * proxy-logging: one access-log line per request once its response is fully sent, in Swift's
 * field order (client_ip remote_addr datetime method path protocol status referer user_agent
 * auth_token bytes_recvd bytes_sent client_etag transaction_id headers request_time source
 * log_info start_time end_time policy_index), as a JSON log entry whose `msg` is that line.
 * Tokens are logged as their first 16 characters only.
 */
import { PassThrough, Readable } from 'node:stream';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';
import type { FilterFactory } from './types.js';

export const proxyLogging: FilterFactory = () => async (req, next) => {
  const started = Date.now();
  const response = await next(req);
  const body = response.body;
  if (body instanceof Readable) {
    let sent = 0;
    const counter = new PassThrough();
    counter.on('data', (chunk: Buffer) => (sent += chunk.length));
    counter.on('close', () => logAccess(req, response, sent, started));
    body.on('error', (err) => counter.destroy(err));
    response.body = body.pipe(counter);
  } else {
    const sent = req.method === 'HEAD' || body === undefined ? 0 : Buffer.byteLength(body);
    logAccess(req, response, sent, started);
  }
  return response;
};

const field = (value: string | number | undefined): string =>
  value === undefined || value === ''
    ? '-'
    : encodeURIComponent(String(value)).replace(/%2F/g, '/').replace(/%3A/g, ':');

/** The query as logged: signatures are credentials, so only their start is kept (as tokens). */
function loggedQuery(query: URLSearchParams): string {
  const copy = new URLSearchParams(query);
  const sig = copy.get('temp_url_sig');
  if (sig !== null) copy.set('temp_url_sig', `${sig.slice(0, 8)}...`);
  return copy.toString();
}

function logAccess(
  req: ProxyRequest,
  response: ProxyResponse,
  bytesSent: number,
  started: number,
): void {
  const ended = Date.now();
  const token = req.headers['x-auth-token'] ?? req.headers['x-storage-token'];
  const line = [
    req.clientIp,
    req.clientIp,
    new Date(started).toISOString(),
    req.method,
    field(req.rawPath + (req.query.size > 0 ? `?${loggedQuery(req.query)}` : '')),
    'HTTP/1.1',
    response.status,
    field(req.headers.referer),
    field(req.headers['user-agent']),
    field(token?.slice(0, 16)),
    field(req.headers['content-length']),
    bytesSent,
    field(req.headers.etag),
    req.txId,
    '-',
    ((ended - started) / 1000).toFixed(4),
    '-',
    '-',
    (started / 1000).toFixed(9),
    (ended / 1000).toFixed(9),
    '0',
  ].join(' ');
  req.log.info(
    { access: true, method: req.method, status: response.status, bytesSent, ms: ended - started },
    line,
  );
}
