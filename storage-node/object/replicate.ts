/**
 * The object server's side of replication: `REPLICATE /<device>/<partition>[/<suffixes>]`.
 *
 * - Without `?inventory`: the partition's suffix hashes as JSON, recomputing the listed
 *   suffixes (`abc-f01`) first — what a replicator compares with its own.
 * - With `?inventory=true`: for the listed suffixes, every object there and the timestamps of
 *   its newest .data or .ts and .meta, so the replicator sends only what this node lacks.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeContext } from '../context.js';
import type { BackendResponse, ReplicateRequest } from '../http/types.js';
import { cleanupHashDir, OBJECTS_DIR } from './disk-file.js';
import { suffixHashes } from './hashes.js';

/** One object as a replica holds it: internal timestamps of its newest files. */
export interface InventoryEntry {
  data?: string;
  ts?: string;
  meta?: string;
}

export type Inventory = Record<string, InventoryEntry>;

export async function replicate(ctx: NodeContext, req: ReplicateRequest): Promise<BackendResponse> {
  const devicePath = ctx.devices.path(req.device);
  const partitionDir = join(devicePath, OBJECTS_DIR, String(req.partition));
  const suffixes = req.rest.split('-').filter((s) => /^[0-9a-f]{3}$/.test(s));
  const hashes = await suffixHashes(partitionDir, ctx.config.reclaimAge, suffixes);
  const body: { hashes: Record<string, string>; objects?: Inventory } = { hashes };
  if (req.query.get('inventory') === 'true') body.objects = await inventory(partitionDir, suffixes);
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/** The newest files of every object in the given suffixes of a partition. */
export async function inventory(
  partitionDir: string,
  suffixes: readonly string[],
): Promise<Inventory> {
  const objects: Inventory = {};
  for (const suffix of suffixes) {
    const suffixDir = join(partitionDir, suffix);
    for (const hash of await readdir(suffixDir).catch(() => [] as string[])) {
      const kept = await cleanupHashDir(join(suffixDir, hash));
      if (kept.length === 0) continue;
      const entry: InventoryEntry = {};
      for (const file of kept) entry[file.kind] = file.timestamp.internal;
      objects[hash] = entry;
    }
  }
  return objects;
}
