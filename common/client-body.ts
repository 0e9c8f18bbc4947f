/**
 * Reading an upload from a client, chunk by chunk, as both the proxy and the object server
 * must: the next chunk is only read once the caller has handled the last (backpressure), a
 * client silent for `timeoutSeconds` gets 408, one that disconnects or sends fewer bytes than
 * it declared gets 499, and more than `maxBytes` is refused with 413 — all as StratusErrors.
 */
import type { Readable } from 'node:stream';
import { StratusError } from './errors.js';

export interface ClientBodyLimits {
  /** Seconds the client may stay silent between chunks (Swift's client_timeout). */
  timeoutSeconds: number;
  /** The declared Content-Length, or undefined for a chunked body. */
  length: number | undefined;
  maxBytes: number;
}

export async function* clientChunks(
  body: Readable,
  limits: ClientBodyLimits,
): AsyncGenerator<Buffer> {
  let received = 0;
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = () =>
    new StratusError('CLIENT_TIMEOUT', 'Request Timeout: the client stopped sending the body');
  const waitForClient = () => {
    timer = setTimeout(() => {
      timedOut = true;
      body.destroy();
    }, limits.timeoutSeconds * 1000);
  };
  const iterator = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  try {
    for (;;) {
      waitForClient();
      let step: IteratorResult<Buffer>;
      try {
        step = await iterator.next();
      } catch (err) {
        if (timedOut) throw timeout();
        throw new StratusError(
          'CLIENT_DISCONNECTED',
          'Client Disconnect: the upload was cut short',
          { cause: err },
        );
      } finally {
        clearTimeout(timer);
      }
      if (timedOut) throw timeout();
      if (step.done) break;
      received += step.value.length;
      if (received > limits.maxBytes)
        throw new StratusError('TOO_LARGE', 'Your request is too large.');
      yield step.value;
    }
  } finally {
    clearTimeout(timer);
  }
  if (limits.length !== undefined && received !== limits.length) {
    throw new StratusError(
      'CLIENT_DISCONNECTED',
      `Client Disconnect: got ${received} of ${limits.length} bytes`,
    );
  }
}
