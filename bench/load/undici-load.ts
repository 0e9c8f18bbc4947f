/**
 * Closed-loop load with undici: `connections` workers, each sending its next request as soon
 * as the last one's body has been read in full. Used for large bodies (autocannon's client
 * tops out near 70 MB/s on this machine, undici streams several times that) and for HEAD
 * (autocannon waits for a body after a HEAD answer that carries Content-Length, and stalls).
 *
 * A run stops starting requests after `seconds` but lets those in flight finish, and every
 * worker completes at least `minPerWorker` requests, so a 64 MiB upload at 64 connections is
 * measured over whole uploads rather than cut off.
 */
import { Agent } from 'undici';
import { Recorder, type Measurement } from './measurement.js';
import type { BuiltRequest } from './autocannon-load.js';

export interface UndiciLoad {
  origin: string;
  connections: number;
  seconds: number;
  minPerWorker?: number;
  /** Builds the next request for worker `worker`. */
  next(worker: number): BuiltRequest;
  done?(tag: string | undefined, status: number): void;
}

export async function runUndici(load: UndiciLoad): Promise<Measurement> {
  const agent = new Agent({
    connections: load.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 300_000,
    bodyTimeout: 300_000,
  });
  const recorder = new Recorder();
  const end = Date.now() + load.seconds * 1000;
  const minimum = load.minPerWorker ?? 0;
  try {
    await Promise.all(
      Array.from({ length: load.connections }, async (_, worker) => {
        for (let sent = 0; sent < minimum || Date.now() < end; sent++) {
          const built = load.next(worker);
          const started = performance.now();
          try {
            const { status, received } = await send(agent, load.origin, built);
            const ok = status >= 200 && status < 300;
            recorder.response(
              status,
              performance.now() - started,
              ok ? (built.payload ?? received) : 0,
            );
            load.done?.(built.tag, status);
          } catch {
            recorder.error();
          }
        }
      }),
    );
  } finally {
    await agent.close();
  }
  return recorder.finish();
}

/**
 * One request through undici's low-level dispatch: the body is counted as it arrives, never
 * wrapped in a stream, so the client spends as little CPU as it can (it shares the machine
 * with the servers it measures).
 */
function send(
  agent: Agent,
  origin: string,
  built: BuiltRequest,
): Promise<{ status: number; received: number }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let received = 0;
    agent.dispatch(
      {
        origin,
        method: built.method,
        path: built.path,
        headers: built.headers,
        body: built.body ?? null,
        // Keep the connection after a HEAD too, as Swift's clients do (undici closes it by default).
        reset: false,
      },
      {
        // undici takes a handler for its newer callbacks only if it has onRequestStart.
        onRequestStart: () => undefined,
        onResponseStart: (_controller, statusCode) => {
          status = statusCode;
        },
        onResponseData: (_controller, chunk) => {
          received += chunk.length;
        },
        onResponseEnd: () => resolve({ status, received }),
        onResponseError: (_controller, err) => reject(err),
      },
    );
  });
}
