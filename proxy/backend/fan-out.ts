/**
 * Reading from and writing to the replicas of an account, container or object.
 *
 * Reads try nodes one at a time (primaries in random order, then handoffs) and return the first answer that
 * settles the question — success, or a client error other than 404; 404s and failures move on
 * to the next node, and when no node settles it the statuses decide by quorum.
 *
 * Writes go to every primary at once; a primary that is error-limited or fails is replaced by
 * the next handoff. The answer is the quorum's (quorum.ts).
 */
import type { Ring } from '../../common/ring/ring.js';
import type { BackendClient, BackendReply, BackendTarget } from './client.js';
import { nodesFor, type StorageNode } from './nodes.js';
import { bestStatus } from './quorum.js';

export interface Location {
  ring: Ring;
  partition: number;
  account: string;
  container?: string;
  object?: string;
}

export type ReadReply = BackendReply;

/** True when a read answer ends the search (anything but 404 and 5xx). */
function settles(status: number): boolean {
  return status !== 404 && status < 500;
}

/**
 * Streams the first settling answer; if none, returns the quorum status of what was seen
 * (with the last 404's headers, which carry X-Backend-Timestamp).
 */
export async function readFromNodes(
  client: BackendClient,
  where: Location,
  method: 'GET' | 'HEAD',
  headers: Record<string, string>,
  query?: string,
): Promise<{ reply?: ReadReply; status: number; headers: Record<string, string> }> {
  const statuses: number[] = [];
  let lastHeaders: Record<string, string> = {};
  for (const node of nodesFor(where.ring, where.partition, client.limiter, { shuffle: true })) {
    const reply = await client.send(target(where, node, query), method, headers);
    if (!reply) {
      statuses.push(503);
      continue;
    }
    if (settles(reply.status)) return { reply, status: reply.status, headers: reply.headers };
    reply.body.resume();
    statuses.push(reply.status);
    if (reply.status === 404) lastHeaders = reply.headers;
  }
  return { status: bestStatus(statuses, Math.ceil(where.ring.replicaCount)), headers: lastHeaders };
}

/** Every node's answer to a read (for X-Newest): small bodies read whole. */
export async function readAllPrimaries(
  client: BackendClient,
  where: Location,
  method: 'GET' | 'HEAD',
  headers: Record<string, string>,
  query?: string,
): Promise<ReadReply[]> {
  const replies = await Promise.all(
    where.ring
      .getPartNodes(where.partition)
      .map((node) => client.send(target(where, node, query), method, headers)),
  );
  return replies.filter((r): r is ReadReply => r !== undefined);
}

export interface WriteResult {
  status: number;
  replies: { node: StorageNode; status: number; headers: Record<string, string>; body: Buffer }[];
}

/**
 * Sends a write to every replica. `headersFor(i)` gives the headers for the i-th replica
 * (container update targets differ per replica).
 */
export async function writeToNodes(
  client: BackendClient,
  where: Location,
  method: string,
  headersFor: (replica: number) => Record<string, string>,
  body?: Buffer | string,
): Promise<WriteResult> {
  const primaries = where.ring.getPartNodes(where.partition);
  const nodes = nodesFor(where.ring, where.partition, client.limiter, { count: Infinity });
  const taken = new Set<number>();
  const next = (): StorageNode | undefined => {
    for (;;) {
      const step = nodes.next();
      if (step.done === true) return undefined;
      const node: StorageNode = step.value;
      if (!taken.has(node.id)) {
        taken.add(node.id);
        return node;
      }
    }
  };
  const attempt = async (replica: number): Promise<WriteResult['replies'][number] | undefined> => {
    for (let node = next(); node; node = next()) {
      const reply = await client.sendAndRead(
        target(where, node),
        method,
        headersFor(replica),
        body,
      );
      if (reply && reply.status < 500) return reply;
    }
    return undefined;
  };
  const results = await Promise.all(primaries.map((_, replica) => attempt(replica)));
  const replies = results.filter((r): r is WriteResult['replies'][number] => r !== undefined);
  const statuses = results.map((r) => r?.status ?? 503);
  return { status: bestStatus(statuses, primaries.length), replies };
}

function target(where: Location, node: StorageNode, query?: string): BackendTarget {
  return {
    node,
    partition: where.partition,
    account: where.account,
    container: where.container,
    object: where.object,
    query,
  };
}
