/**
 * One object PUT to one storage node, for the proxy's fan-out. It uses node:http rather than
 * undici because undici refuses `Expect: 100-continue` on HTTP/1.1: with it, a node can refuse
 * (507 full, 409 newer copy, 412 exists) before any body is sent, and the proxy can try a
 * handoff instead of streaming to a node that will not keep the data.
 */
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { backendPath } from '../../common/backend-url.js';
import type { StorageNode } from './nodes.js';

export const putAgent = new Agent({
  keepAlive: true,
  keepAliveMsecs: 1000,
  maxSockets: 512,
  timeout: 75_000,
});

export type PutterOutcome =
  | { kind: 'ready'; putter: Putter }
  | { kind: 'refused'; status: number; headers: Record<string, string> }
  | { kind: 'failed'; reason: string };

export interface PutterTarget {
  node: StorageNode;
  partition: number;
  account: string;
  container: string;
  object: string;
}

export class Putter {
  private failure: string | undefined;
  private response: Promise<IncomingMessage>;

  private constructor(
    readonly node: StorageNode,
    private readonly req: ClientRequest,
    response: Promise<IncomingMessage>,
  ) {
    this.response = response;
    req.on('error', (err) => (this.failure ??= err.message));
  }

  /**
   * Opens the PUT and waits for `100 Continue` (ready), an early final response (refused), or
   * an error / `timeoutSeconds` without either (failed).
   */
  static connect(
    target: PutterTarget,
    headers: Record<string, string>,
    timeoutSeconds: number,
  ): Promise<PutterOutcome> {
    const { node } = target;
    return new Promise((resolve) => {
      const req = request({
        host: node.ip,
        port: node.port,
        method: 'PUT',
        path: backendPath(
          node.device,
          target.partition,
          target.account,
          target.container,
          target.object,
        ),
        headers: { ...headers, Expect: '100-continue' },
        agent: putAgent,
      });
      let settled = false;
      const settle = (outcome: PutterOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (outcome.kind !== 'ready') req.destroy();
        resolve(outcome);
      };
      const timer = setTimeout(
        () => settle({ kind: 'failed', reason: 'timed out waiting for 100-continue' }),
        timeoutSeconds * 1000,
      );
      const response = new Promise<IncomingMessage>((resolveResponse, reject) => {
        req.once('response', resolveResponse);
        req.once('error', reject);
      });
      response.catch(() => undefined);
      req.once('continue', () =>
        settle({ kind: 'ready', putter: new Putter(node, req, response) }),
      );
      req.once('response', (res: IncomingMessage) => {
        res.resume();
        settle({ kind: 'refused', status: res.statusCode ?? 500, headers: flatHeaders(res) });
      });
      req.once('error', (err) => settle({ kind: 'failed', reason: err.message }));
      req.flushHeaders();
    });
  }

  get failed(): string | undefined {
    return this.failure;
  }

  /** Writes a chunk; false means the node's buffer is full (wait for `drained()`). */
  write(chunk: Buffer): boolean {
    if (this.failure) return true;
    return this.req.write(chunk);
  }

  /** Resolves when the node accepts more data, or fails after `timeoutSeconds`. */
  drained(timeoutSeconds: number): Promise<void> {
    if (this.failure || !this.req.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.failure ??= 'timed out sending data';
        this.req.destroy();
        resolve();
      }, timeoutSeconds * 1000);
      // Each wait removes both of its listeners: a 64 MiB body waits hundreds of times, and
      // leftover 'close' listeners piled up on the request (and slowed every emit).
      const done = () => {
        clearTimeout(timer);
        this.req.off('drain', done);
        this.req.off('close', done);
        resolve();
      };
      this.req.once('drain', done);
      this.req.once('close', done);
    });
  }

  /** Ends the body and waits for the node's answer. */
  async finish(
    timeoutSeconds: number,
  ): Promise<{ status: number; headers: Record<string, string> } | undefined> {
    if (this.failure) return undefined;
    this.req.end();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        this.failure ??= 'timed out waiting for the response';
        this.req.destroy();
        resolve(undefined);
      }, timeoutSeconds * 1000);
    });
    try {
      const res = await Promise.race([this.response, timeout]);
      if (!res) return undefined;
      res.resume();
      return { status: res.statusCode ?? 500, headers: flatHeaders(res) };
    } catch (err) {
      this.failure ??= (err as Error).message;
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Abandons the upload: the node discards its temp file (it sees a cut upload). */
  abort(): void {
    this.failure ??= 'aborted';
    this.req.destroy();
  }
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
