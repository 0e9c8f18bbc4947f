/**
 * Small-request load with autocannon: `connections` keep-alive connections, one request in
 * flight on each (no pipelining: Swift clients do not pipeline), for `seconds`. Every request
 * is built by `next()`, so paths, methods and bodies can change per request; `done()` hears
 * each response's status with what `next()` tagged it with (e.g. the object name, so a PUT
 * run knows which objects exist afterwards).
 */
import autocannon from 'autocannon';
import { Recorder, type Measurement } from './measurement.js';

export interface BuiltRequest {
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Payload bytes this request moves when it succeeds (undefined: the response's size). */
  payload?: number;
  tag?: string;
}

export interface AutocannonLoad {
  origin: string;
  connections: number;
  seconds: number;
  next(): BuiltRequest;
  done?(tag: string | undefined, status: number): void;
}

interface Context {
  built?: BuiltRequest;
}

export async function runAutocannon(load: AutocannonLoad): Promise<Measurement> {
  const recorder = new Recorder();
  const payloads: (number | undefined)[] = [];
  let finished!: (err: Error | null) => void;
  const ended = new Promise<void>((resolve, reject) => {
    finished = (err) => (err ? reject(err) : resolve());
  });
  const options: autocannon.Options = {
    url: load.origin,
    connections: load.connections,
    pipelining: 1,
    duration: load.seconds,
    // A stalled server shows up as errors, not as a hung benchmark.
    timeout: 30,
    requests: [
      {
        setupRequest: (request, context: Context) => {
          const built = load.next();
          context.built = built;
          return {
            ...request,
            method: built.method,
            path: built.path,
            headers: built.headers,
            body: built.body ?? Buffer.alloc(0),
          };
        },
        onResponse: (status, _body, context: Context) => {
          payloads.push(context.built?.payload);
          load.done?.(context.built?.tag, status);
        },
      },
    ],
  };
  const instance = autocannon(options, (err: Error | null) => finished(err));
  // Our own percentiles from every response (autocannon keeps whole milliseconds of 2xx only).
  instance.on('response', (_client, status: number, resBytes: number, ms: number) => {
    const payload = payloads.shift();
    const ok = status >= 200 && status < 300;
    recorder.response(status, ms, ok ? (payload ?? resBytes) : 0);
  });
  instance.on('reqError', () => recorder.error());
  await ended;
  return recorder.finish();
}
