/**
 * Object PUT through the proxy: open a PUT to every replica (primaries, a handoff for any that
 * refuses or fails), stream the client's body to all of them at once — reading the next chunk
 * only when every node has taken the last, so memory stays flat and the slowest replica sets
 * the pace — and answer with the quorum's verdict.
 *
 * Nodes that fail mid-stream are dropped while a quorum remains. A client that stalls for
 * client_timeout gets 408, one that disconnects 499; either way the putters are aborted and
 * every node discards its temp file, so nothing half-written becomes visible.
 */
import { hostPort } from '../../common/backend-url.js';
import { clientChunks } from '../../common/client-body.js';
import { DEFAULT_CONSTRAINTS } from '../../common/constraints.js';
import { StratusError } from '../../common/errors.js';
import { Timestamp } from '../../common/timestamp.js';
import { nodesFor, type StorageNode } from '../backend/nodes.js';
import { Putter, type PutterOutcome } from '../backend/putter.js';
import { bestStatus, quorumSize } from '../backend/quorum.js';
import type { ProxyContext } from '../context.js';
import type { ProxyRequest, ProxyResponse } from '../pipeline.js';
import { statusOnly } from './helpers.js';
import { updateHeaders } from './update-targets.js';

export interface PutPlan {
  account: string;
  container: string;
  object: string;
  /** Headers for every backend PUT (metadata, Content-Type, X-Delete-At, …). */
  headers: Record<string, string>;
  /** Declared body length, or undefined for chunked uploads. */
  length: number | undefined;
}

export async function putObjectData(
  ctx: ProxyContext,
  req: ProxyRequest,
  plan: PutPlan,
): Promise<ProxyResponse> {
  const ring = ctx.rings.object;
  const partition = ring.getPartition(plan.account, plan.container, plan.object);
  const replicas = ring.getPartNodes(partition).length;
  const quorum = quorumSize(replicas);
  const timestamp = Timestamp.now();
  const containerRing = ctx.rings.container;
  const containerPartition = containerRing.getPartition(plan.account, plan.container);
  const containerNodes = containerRing
    .getPartNodes(containerPartition)
    .map((n) => ({ host: hostPort(n.ip, n.port), device: n.device }));
  const baseHeaders: Record<string, string> = {
    ...plan.headers,
    'X-Timestamp': timestamp.internal,
    'X-Trans-Id': req.txId,
    ...(plan.length === undefined
      ? { 'Transfer-Encoding': 'chunked' }
      : { 'Content-Length': String(plan.length) }),
  };

  const candidates = nodesFor(ring, partition, ctx.backend.limiter, { count: Infinity });
  const refusals: number[] = [];
  const connectOne = async (replica: number): Promise<Putter | undefined> => {
    const headers = {
      ...baseHeaders,
      ...updateHeaders('Container', containerPartition, containerNodes, replica, replicas),
    };
    for (let next = candidates.next(); !next.done; next = candidates.next()) {
      const node: StorageNode = next.value;
      const outcome: PutterOutcome = await Putter.connect(
        { node, partition, account: plan.account, container: plan.container, object: plan.object },
        headers,
        ctx.config.connTimeout + ctx.config.nodeTimeout,
      );
      if (outcome.kind === 'ready') return outcome.putter;
      if (outcome.kind === 'refused') {
        if (outcome.status === 507) ctx.backend.limiter.limitNow(node);
        // A node that knows better (newer copy, If-None-Match) speaks for the object.
        if (outcome.status === 409 || outcome.status === 412 || outcome.status === 400) {
          refusals.push(outcome.status);
          return undefined;
        }
      } else {
        ctx.backend.limiter.recordError(node);
        req.log.warn(
          { node: `${node.ip}:${node.port}/${node.device}`, reason: outcome.reason },
          'object PUT connect failed',
        );
      }
    }
    return undefined;
  };
  const connected = await Promise.all(
    Array.from({ length: replicas }, (_, replica) => connectOne(replica)),
  );
  let putters = connected.filter((p): p is Putter => p !== undefined);
  if (putters.length < quorum) {
    for (const putter of putters) putter.abort();
    req.log.warn({ connected: putters.length, quorum, refusals }, 'object PUT without quorum');
    return statusOnly(refusedStatus(refusals, quorum));
  }

  req.continueBody();
  try {
    putters = await streamBody(ctx, req, putters, quorum, plan.length);
  } catch (err) {
    for (const putter of putters) putter.abort();
    throw err;
  }
  const answers = await Promise.all(putters.map((putter) => putter.finish(ctx.config.nodeTimeout)));
  const statuses = answers.map((answer) => answer?.status ?? 503);
  const etags = new Set(answers.filter((a) => a && a.status === 201).map((a) => a!.headers.etag));
  const status = bestStatus(
    [...statuses, ...Array<number>(Math.max(0, replicas - statuses.length)).fill(503)],
    replicas,
  );
  if (status === 201 && etags.size > 1) {
    req.log.error({ etags: [...etags] }, 'object servers disagree on the ETag');
    throw new StratusError('INTERNAL', 'Object servers returned different ETags');
  }
  if (status !== 201) return statusOnly(status);
  return statusOnly(201, { Etag: [...etags][0] ?? '', 'Last-Modified': timestamp.httpDate });
}

/**
 * The answer when too few nodes took the PUT: 412 when a quorum says the object exists
 * (If-None-Match), 202 when a quorum already has a newer copy (Swift's answer), else 503.
 */
function refusedStatus(refusals: readonly number[], quorum: number): number {
  if (refusals.filter((s) => s === 412).length >= quorum) return 412;
  if (refusals.filter((s) => s === 409).length >= quorum) return 202;
  if (refusals.filter((s) => s === 400).length >= quorum) return 400;
  return 503;
}

/**
 * Copies the client body to every putter with backpressure; returns the putters still
 * healthy at the end (at least a quorum, or it throws 503).
 */
async function streamBody(
  ctx: ProxyContext,
  req: ProxyRequest,
  putters: Putter[],
  quorum: number,
  length: number | undefined,
): Promise<Putter[]> {
  let live = putters;
  const chunks = clientChunks(req.body, {
    timeoutSeconds: ctx.config.clientTimeout,
    length,
    maxBytes: DEFAULT_CONSTRAINTS.maxFileSize,
  });
  for await (const chunk of chunks) {
    const full = live.filter((putter) => !putter.write(chunk));
    if (full.length > 0)
      await Promise.all(full.map((putter) => putter.drained(ctx.config.nodeTimeout)));
    live = dropFailed(ctx, req, live, quorum);
  }
  return live;
}

function dropFailed(
  ctx: ProxyContext,
  req: ProxyRequest,
  putters: Putter[],
  quorum: number,
): Putter[] {
  const live = putters.filter((putter) => !putter.failed);
  for (const putter of putters) {
    if (putter.failed) {
      ctx.backend.limiter.recordError(putter.node);
      req.log.warn(
        { node: `${putter.node.ip}:${putter.node.port}`, reason: putter.failed },
        'object PUT node dropped',
      );
    }
  }
  if (live.length < quorum)
    throw new StratusError('UNAVAILABLE', 'Service Unavailable: too few object servers left');
  return live;
}
