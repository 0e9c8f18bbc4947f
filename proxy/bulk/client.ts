/**
 * What both bulk operations do with the client and the rest of the pipeline: read the
 * request body (with the client timeout, and without ever destroying the connection the
 * answer is still streaming on), and send subrequests whose outcome is just a status.
 */
import { PassThrough, Readable } from 'node:stream';
import { clientChunks } from '../../common/client-body.js';
import { StratusError } from '../../common/errors.js';
import { errorToResponse } from '../middleware/catch-errors.js';
import type { App, ProxyRequest, ProxyResponse } from '../pipeline.js';

export interface ClientBody {
  chunks: AsyncIterable<Buffer>;
  /** Stops reading: whatever the client still sends is read and dropped. */
  release: () => void;
}

/**
 * The request body as chunks (411 without Content-Length or chunked encoding, as Swift).
 * The body is piped through a stream of our own, so giving up early never destroys the
 * client's socket — the bulk answer is being written on it.
 */
export function takeBody(req: ProxyRequest, clientTimeout: number): ClientBody {
  const text = req.headers['content-length'];
  const chunked = (req.headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked');
  if (!chunked && (text === undefined || !/^\d+$/.test(text)))
    throw new StratusError('LENGTH_REQUIRED', '');
  req.continueBody();
  const relay = new PassThrough();
  const body = req.body;
  const onClose = () => {
    if (!body.readableEnded) relay.destroy(new Error('client disconnected'));
  };
  body.once('close', onClose);
  body.pipe(relay);
  return {
    chunks: clientChunks(relay, {
      timeoutSeconds: clientTimeout,
      length: chunked ? undefined : Number(text),
      maxBytes: Number.MAX_SAFE_INTEGER,
    }),
    release: () => {
      body.off('close', onClose);
      body.unpipe(relay);
      relay.destroy();
      if (!body.readableEnded) body.resume();
    },
  };
}

/** Runs a subrequest down the pipeline; errors become their responses, bodies are drained. */
export async function subrequestStatus(next: App, sub: ProxyRequest): Promise<number> {
  let response: ProxyResponse;
  try {
    response = await next(sub);
  } catch (err) {
    response = errorToResponse(err);
  }
  if (response.body instanceof Readable) {
    response.body.on('error', () => undefined);
    response.body.resume();
  }
  return response.status;
}

/** The headers every bulk subrequest carries: the client's token, and who made it. */
export function subrequestHeaders(req: ProxyRequest, agent: string): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': `${req.headers['user-agent'] ?? '-'} ${agent}`,
  };
  const token = req.headers['x-auth-token'] ?? req.headers['x-storage-token'];
  if (token !== undefined) headers['x-auth-token'] = token;
  return headers;
}
