/**
 * Requests from the proxy to storage nodes over a keep-alive pool (undici), with Swift's
 * conn_timeout and node_timeout, feeding the error limiter. A failed request (connection
 * error, timeout, 5xx) yields no response, only a recorded error, so callers move on to the
 * next node.
 */
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { backendPath, hostPort } from '../../common/backend-url.js';
import { describeError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ErrorLimiter } from './error-limiter.js';
import type { StorageNode } from './nodes.js';

export interface BackendTimeouts {
  /** Seconds to connect. */
  connect: number;
  /** Seconds to wait for response headers, and between body chunks. */
  node: number;
}

export interface BackendReply {
  node: StorageNode;
  status: number;
  headers: Record<string, string>;
  body: Readable;
}

export interface BackendTarget {
  node: StorageNode;
  partition: number;
  account: string;
  container?: string;
  object?: string;
  query?: string;
}

export class BackendClient {
  readonly agent: Agent;

  constructor(
    readonly limiter: ErrorLimiter,
    readonly timeouts: BackendTimeouts,
    private readonly log: Logger,
  ) {
    this.agent = new Agent({
      connections: 256,
      keepAliveTimeout: 4_000,
      headersTimeout: timeouts.node * 1000,
      bodyTimeout: timeouts.node * 1000,
      connect: { timeout: timeouts.connect * 1000 },
    });
  }

  /** One request; undefined when the node failed (already error-limited as appropriate). */
  async send(
    target: BackendTarget,
    method: string,
    headers: Record<string, string>,
    body?: Buffer | string,
  ): Promise<BackendReply | undefined> {
    const { node } = target;
    const path = backendPath(
      node.device,
      target.partition,
      target.account,
      target.container,
      target.object,
    );
    try {
      const response = await request(
        `http://${hostPort(node.ip, node.port)}${path}${target.query ? `?${target.query}` : ''}`,
        {
          method: method as 'GET',
          headers,
          body: body ?? null,
          dispatcher: this.agent,
          // undici closes the connection after every HEAD unless told not to (in case a server
          // sends a body anyway); storage nodes never do, and reconnecting for each HEAD made
          // a HEAD through the proxy cost twice a GET (measured; bench/README.md).
          reset: false,
        },
      );
      const reply: BackendReply = {
        node,
        status: response.statusCode,
        headers: flatten(response.headers),
        body: response.body,
      };
      if (reply.status === 507) this.limiter.limitNow(node);
      else if (reply.status >= 500) this.limiter.recordError(node);
      return reply;
    } catch (err) {
      this.limiter.recordError(node);
      this.log.warn(
        { node: `${node.ip}:${node.port}/${node.device}`, method, err: describeError(err) },
        'backend request failed',
      );
      return undefined;
    }
  }

  /** Like `send`, reading the whole (small) body; for HEADs, listings and writes. */
  async sendAndRead(
    target: BackendTarget,
    method: string,
    headers: Record<string, string>,
    body?: Buffer | string,
  ): Promise<(Omit<BackendReply, 'body'> & { body: Buffer }) | undefined> {
    const reply = await this.send(target, method, headers, body);
    if (!reply) return undefined;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of reply.body) chunks.push(chunk as Buffer);
      return { ...reply, body: Buffer.concat(chunks) };
    } catch (err) {
      this.limiter.recordError(reply.node);
      this.log.warn({ err: describeError(err) }, 'backend body failed');
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined)
      flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
