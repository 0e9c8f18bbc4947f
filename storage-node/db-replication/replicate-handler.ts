/**
 * The container and account servers' REPORT handler (Swift's REPLICATE): reads the JSON
 * message, finds the device (507 when it is not there, so the replicator tries a handoff) and
 * hands the message to DbReplicationRpc.
 */
import type { Readable } from 'node:stream';
import { StratusError } from '../../common/errors.js';
import type { NodeContext } from '../context.js';
import type { DatabaseHandles } from '../db/handles.js';
import type { ReplicateHandler } from '../http/types.js';
import { DB_KINDS } from './kinds.js';
import { MAX_MESSAGE_BYTES } from './protocol.js';
import { DbReplicationRpc } from './rpc.js';

/** A database's folder name: the hash of its path (16 hex digits today). */
const DATABASE_HASH = /^[0-9a-f]{16,32}$/;

export function createDbReplicateHandler(
  ctx: NodeContext,
  kind: keyof typeof DB_KINDS,
  handles: DatabaseHandles,
): ReplicateHandler {
  const rpc = new DbReplicationRpc(DB_KINDS[kind], ctx.hasher, handles);
  return async (req) => {
    if (!DATABASE_HASH.test(req.rest)) {
      throw new StratusError('INVALID_PATH', 'Invalid path: expected /<device>/<partition>/<hash>');
    }
    const devicePath = ctx.devices.path(req.device);
    const message = await readJson(req.body, MAX_MESSAGE_BYTES);
    const reply = await rpc.handle(devicePath, req.partition, req.rest, message);
    if (reply.body === undefined) return { status: reply.status };
    return {
      status: reply.status,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(reply.body),
    };
  };
}

async function readJson(body: Readable, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new StratusError('TOO_LARGE', 'Replication message too large');
    chunks.push(buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new StratusError('BAD_REQUEST', 'Invalid replication message: not JSON');
  }
}
