/**
 * Streams a response body to a client with backpressure, as stream.pipeline() does, without
 * its per-call AbortController: pipeline() aborts one when it finishes, and building that
 * abort's DOMException (with a stack trace) cost 6% of the proxy's CPU on small GETs
 * (bench/README.md). An error on either side, or the client going away, destroys both.
 */
import type { Readable, Writable } from 'node:stream';

export function sendBody(body: Readable, out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const cleanup = () => {
      body.off('error', fail);
      body.off('close', bodyClosed);
      out.off('error', fail);
      out.off('close', closed);
      out.off('finish', finished);
    };
    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      cleanup();
      body.unpipe(out);
      body.destroy();
      out.destroy();
      reject(err);
    }
    function finished(): void {
      if (settled) return;
      settled = true;
      cleanup();
      resolve();
    }
    // A body that stops without ending (a node gone mid-object) must cut the client off, not
    // leave its response hanging.
    function bodyClosed(): void {
      if (!body.readableEnded) fail(new Error('the body stopped before its end'));
    }
    function closed(): void {
      if (!out.writableFinished) fail(new Error('the client went away before the body was sent'));
      else finished();
    }
    body.on('error', fail);
    body.on('close', bodyClosed);
    out.on('error', fail);
    out.on('close', closed);
    out.on('finish', finished);
    body.pipe(out);
  });
}
