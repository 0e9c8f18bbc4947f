/**
 * Replication sync points, kept in each database as Swift keeps them: for every other replica
 * (named by its database id), the highest ROWID of that replica's rows known to be merged here
 * (`incoming_sync`, written by the receiving side) and the highest ROWID of our rows known to
 * be merged there (`outgoing_sync`, written by the sender once the peer confirmed). A
 * replicator sends only rows above the larger of the two, so a pass over replicas in step
 * costs one request per peer.
 *
 * Databases made before replication existed have no sync tables: they are created on first
 * use (`ensureSyncTables`), once per open handle.
 */
import type { DatabaseHandle } from './handles.js';

export const SYNC_TABLES = `
  CREATE TABLE IF NOT EXISTS incoming_sync (
    remote_id TEXT PRIMARY KEY,
    sync_point INTEGER NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS outgoing_sync (
    remote_id TEXT PRIMARY KEY,
    sync_point INTEGER NOT NULL,
    updated_at TEXT NOT NULL
  );
`;

export type SyncDirection = 'incoming' | 'outgoing';

export interface SyncPoint {
  /** The id of the other replica's database. */
  remoteId: string;
  /** The highest ROWID (in that replica's numbering for incoming, ours for outgoing) in sync. */
  syncPoint: number;
}

const ready = new WeakSet<DatabaseHandle>();

export function ensureSyncTables(handle: DatabaseHandle): void {
  if (ready.has(handle)) return;
  handle.db.exec(SYNC_TABLES);
  ready.add(handle);
}

export function getSyncPoint(
  handle: DatabaseHandle,
  direction: SyncDirection,
  remoteId: string,
): number {
  ensureSyncTables(handle);
  const row = handle
    .statement(`SELECT sync_point FROM ${direction}_sync WHERE remote_id = ?`)
    .get(remoteId) as { sync_point: number } | undefined;
  return row?.sync_point ?? 0;
}

export function listSyncPoints(handle: DatabaseHandle, direction: SyncDirection): SyncPoint[] {
  ensureSyncTables(handle);
  const rows = handle
    .statement(`SELECT remote_id, sync_point FROM ${direction}_sync ORDER BY remote_id`)
    .all() as { remote_id: string; sync_point: number }[];
  return rows.map((row) => ({ remoteId: row.remote_id, syncPoint: row.sync_point }));
}

/**
 * Raises each point (never lowers one: a late or repeated message cannot make a replica
 * forget what it already has). Call inside the caller's write transaction.
 */
export function mergeSyncPoints(
  handle: DatabaseHandle,
  direction: SyncDirection,
  points: readonly SyncPoint[],
  now: string,
): void {
  ensureSyncTables(handle);
  const upsert = handle.statement(
    `INSERT INTO ${direction}_sync (remote_id, sync_point, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (remote_id) DO UPDATE SET sync_point = excluded.sync_point, updated_at = excluded.updated_at
     WHERE excluded.sync_point > sync_point`,
  );
  for (const point of points) upsert.run(point.remoteId, point.syncPoint, now);
}
