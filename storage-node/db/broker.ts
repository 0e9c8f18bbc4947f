/**
 * What container and account databases share: one `<kind>_stat` row with the creation,
 * PUT and DELETE timestamps, a status, an id and the metadata JSON. Timestamps are stored in
 * their internal form, whose fixed width makes text order equal time order, so SQL can compare
 * them directly (`WHERE put_timestamp < ?`). Subclasses add their rows, counts and the rule
 * for "deleted".
 */
import { randomUUID } from 'node:crypto';
import { StratusError } from '../../common/errors.js';
import { Timestamp } from '../../common/timestamp.js';
import type { DatabaseHandle, DatabaseHandles } from './handles.js';
import {
  checkMergedMetadata,
  clearMetadata,
  mergeMetadata,
  parseMetadata,
  type Metadata,
} from './metadata.js';
import {
  getSyncPoint,
  listSyncPoints,
  mergeSyncPoints,
  type SyncDirection,
  type SyncPoint,
} from './sync-points.js';

export const ZERO_TIMESTAMP = new Timestamp(0).internal;

/** Columns of the stat row common to both kinds, for their CREATE TABLE. */
export const STAT_COLUMNS = `
  created_at TEXT NOT NULL,
  put_timestamp TEXT NOT NULL,
  delete_timestamp TEXT NOT NULL DEFAULT '${ZERO_TIMESTAMP}',
  status TEXT NOT NULL DEFAULT '',
  status_changed_at TEXT NOT NULL,
  id TEXT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}'`;

export interface DatabaseInfo {
  /** When this replica's file was made (X-Timestamp in responses). */
  createdAt: Timestamp;
  putTimestamp: Timestamp;
  deleteTimestamp: Timestamp;
  status: string;
  statusChangedAt: Timestamp;
  /** A random id per database file (replication tells replicas apart with it). */
  id: string;
  metadata: Metadata;
}

export interface StatRow {
  created_at: string;
  put_timestamp: string;
  delete_timestamp: string;
  status: string;
  status_changed_at: string;
  id: string;
  metadata: string;
}

export interface NewDatabase {
  putTimestamp: Timestamp;
  metadata: Metadata;
}

/** The values of the common stat columns for a new database. */
export function newStatValues(init: NewDatabase): Omit<StatRow, 'delete_timestamp' | 'status'> {
  return {
    created_at: Timestamp.now().internal,
    put_timestamp: init.putTimestamp.internal,
    status_changed_at: init.putTimestamp.internal,
    id: randomUUID(),
    metadata: JSON.stringify(init.metadata),
  };
}

export function statInfo(row: StatRow): DatabaseInfo {
  return {
    createdAt: Timestamp.parse(row.created_at),
    putTimestamp: Timestamp.parse(row.put_timestamp),
    deleteTimestamp: Timestamp.parse(row.delete_timestamp),
    status: row.status,
    statusChangedAt: Timestamp.parse(row.status_changed_at),
    id: row.id,
    metadata: parseMetadata(row.metadata),
  };
}

/**
 * A row as replication sends it: every column of the row table, ROWID included (Swift's
 * `get_items_since` dictionaries). Each broker checks the rows it is given (`mergeRows`).
 */
export type ReplicatedRow = Record<string, string | number> & { ROWID: number };

export abstract class DatabaseBroker<Info extends DatabaseInfo> {
  protected abstract readonly statTable: 'container_stat' | 'account_stat';
  protected abstract readonly metadataTarget: 'container' | 'account';
  /** The table whose rows replication sends: `object` or `container`. */
  protected abstract readonly rowTable: 'object' | 'container';

  constructor(
    protected readonly handles: DatabaseHandles,
    readonly path: string,
  ) {}

  exists(): boolean {
    return this.handles.get(this.path) !== undefined;
  }

  /** The stat row and counts; undefined when the database does not exist. */
  abstract info(): Info | undefined;

  abstract isDeleted(info: Info): boolean;

  protected handle(): DatabaseHandle {
    const handle = this.handles.get(this.path);
    if (!handle) throw new StratusError('NOT_FOUND', 'Not Found');
    return handle;
  }

  /**
   * Validates rows from a replica (400 on anything malformed) and merges them, newest
   * timestamp winning, inside the caller's write transaction. Returns how many changed a row.
   */
  protected abstract mergeRowsIn(handle: DatabaseHandle, rows: readonly unknown[]): number;

  /** The column holding a tombstone row's deletion time (`created_at`, `delete_timestamp`). */
  protected abstract readonly tombstoneColumn: 'created_at' | 'delete_timestamp';

  // --- Replication (storage-node/db-replication) -------------------------------------------

  /**
   * The highest ROWID ever given out (SQLite's AUTOINCREMENT counter, so it never goes back
   * when the newest row is replaced or reclaimed); 0 for a database without rows yet.
   */
  maxRow(): number {
    const row = this.handle()
      .statement('SELECT seq FROM sqlite_sequence WHERE name = ?')
      .get(this.rowTable) as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  /** Up to `limit` rows with a ROWID above `point`, tombstones included, in ROWID order. */
  rowsSince(point: number, limit: number): ReplicatedRow[] {
    return this.handle()
      .statement(`SELECT * FROM ${this.rowTable} WHERE ROWID > ? ORDER BY ROWID LIMIT ?`)
      .all(point, limit) as ReplicatedRow[];
  }

  /**
   * Merges rows from the replica whose database id is `source` (Swift's `merge_items`) in one
   * transaction; the rows must be that replica's rows in ROWID order with none left out since
   * the last batch, so the incoming sync point can move to the last one's ROWID. Without a
   * source (copies, local merges) no sync point moves.
   */
  mergeRows(rows: readonly unknown[], source?: string): number {
    const handle = this.handle();
    const last = rows.length > 0 ? rowIdOf(rows[rows.length - 1]) : undefined;
    return handle.write(() => {
      const applied = this.mergeRowsIn(handle, rows);
      if (source !== undefined && last !== undefined) {
        mergeSyncPoints(handle, 'incoming', [{ remoteId: source, syncPoint: last }], nowText());
      }
      return applied;
    });
  }

  syncPoint(direction: SyncDirection, remoteId: string): number {
    return getSyncPoint(this.handle(), direction, remoteId);
  }

  syncPoints(direction: SyncDirection): SyncPoint[] {
    return listSyncPoints(this.handle(), direction);
  }

  /** Raises sync points (never lowers them); Swift's `merge_syncs`. */
  mergeSyncPoints(direction: SyncDirection, points: readonly SyncPoint[]): void {
    if (points.length === 0) return;
    const handle = this.handle();
    handle.write(() => mergeSyncPoints(handle, direction, points, nowText()));
  }

  /**
   * Takes a replica's timestamps, newest winning (created_at: oldest, so every replica shows
   * the same X-Timestamp). The status follows whichever of PUT and DELETE is now newest, so a
   * replica that missed a DELETE (or a re-creating PUT) learns it. True when anything changed.
   */
  mergeTimestamps(
    createdAt: Timestamp,
    putTimestamp: Timestamp,
    deleteTimestamp: Timestamp,
  ): boolean {
    const handle = this.handle();
    const read = () =>
      handle
        .statement(
          `SELECT created_at, put_timestamp, delete_timestamp, status FROM ${this.statTable}`,
        )
        .get() as Pick<StatRow, 'created_at' | 'put_timestamp' | 'delete_timestamp' | 'status'>;
    const newer = (row: ReturnType<typeof read>) =>
      createdAt.compare(Timestamp.parse(row.created_at)) < 0 ||
      putTimestamp.compare(Timestamp.parse(row.put_timestamp)) > 0 ||
      deleteTimestamp.compare(Timestamp.parse(row.delete_timestamp)) > 0;
    // Replicas in step change nothing: decide that without taking the write lock.
    if (!newer(read())) return false;
    return handle.write(() => {
      const before = read();
      if (!newer(before)) return false;
      const created = Timestamp.parse(before.created_at);
      const put = Timestamp.parse(before.put_timestamp);
      const deleted = Timestamp.parse(before.delete_timestamp);
      const newCreated = createdAt.compare(created) < 0 ? createdAt : created;
      const newPut = putTimestamp.compare(put) > 0 ? putTimestamp : put;
      const newDelete = deleteTimestamp.compare(deleted) > 0 ? deleteTimestamp : deleted;
      handle
        .statement(
          `UPDATE ${this.statTable} SET created_at = ?, put_timestamp = ?, delete_timestamp = ?`,
        )
        .run(newCreated.internal, newPut.internal, newDelete.internal);
      if (newDelete !== deleted && newDelete.compare(newPut) > 0) {
        this.setStatusChangedAt(handle, newDelete, 'DELETED');
      } else if (newPut !== put && newPut.compare(newDelete) > 0 && before.status === 'DELETED') {
        this.setStatusChangedAt(handle, newPut);
      }
      return true;
    });
  }

  /**
   * Merges a replica's metadata, newest timestamp per key. Not checked against the limits:
   * each key was accepted by some replica, and refusing it would leave replicas apart forever.
   */
  mergeReplicatedMetadata(updates: Metadata): void {
    if (Object.keys(updates).length === 0) return;
    const handle = this.handle();
    if (!mergeMetadata(this.readMetadata(handle), updates)) return; // nothing newer: no write
    handle.write(() => {
      const merged = mergeMetadata(this.readMetadata(handle), updates);
      if (merged) this.writeMetadata(handle, merged);
    });
  }

  /**
   * Forgets what every replica has had time to learn (reclaim_age): tombstone rows and
   * removed metadata keys older than `cutoff`. Returns how many rows went. Tombstones are
   * found through a partial index of them alone, and the write lock is taken only when there
   * is something to remove, so a pass over many quiet databases stays cheap.
   */
  reclaim(cutoff: Timestamp): number {
    const handle = this.handle();
    this.ensureTombstoneIndex(handle);
    const table = this.rowTable;
    const column = this.tombstoneColumn;
    const expiredKeys = (metadata: Metadata) =>
      Object.entries(metadata)
        .filter(
          ([, [value, timestamp]]) =>
            value === '' && Timestamp.parse(timestamp).compare(cutoff) < 0,
        )
        .map(([key]) => key);
    const anyRow = handle
      .statement(`SELECT 1 FROM ${table} WHERE deleted = 1 AND ${column} < ? LIMIT 1`)
      .get(cutoff.internal);
    if (!anyRow && expiredKeys(this.readMetadata(handle)).length === 0) return 0;
    return handle.write(() => {
      const metadata = this.readMetadata(handle);
      const expired = expiredKeys(metadata);
      if (expired.length > 0) {
        const kept = { ...metadata };
        for (const key of expired) delete kept[key];
        this.writeMetadata(handle, kept);
      }
      return handle
        .statement(`DELETE FROM ${table} WHERE deleted = 1 AND ${column} < ?`)
        .run(cutoff.internal).changes;
    });
  }

  /** Databases made before replication existed lack the tombstone index: made once here. */
  private ensureTombstoneIndex(handle: DatabaseHandle): void {
    if (indexedHandles.has(handle)) return;
    handle.db.exec(tombstoneIndexSql(this.rowTable, this.tombstoneColumn));
    indexedHandles.add(handle);
  }

  // -------------------------------------------------------------------------------------------

  /** Merges metadata updates, newest timestamp per key, within Swift's limits (400 beyond). */
  updateMetadata(updates: Metadata): void {
    if (Object.keys(updates).length === 0) return;
    const handle = this.handle();
    handle.write(() => this.mergeMetadataIn(handle, updates));
  }

  protected mergeMetadataIn(handle: DatabaseHandle, updates: Metadata): void {
    const current = this.readMetadata(handle);
    const merged = mergeMetadata(current, updates);
    if (!merged) return;
    checkMergedMetadata(merged, this.metadataTarget);
    this.writeMetadata(handle, merged);
  }

  /** Removes every key older than `timestamp` (a DELETE clears metadata). */
  protected clearMetadataIn(handle: DatabaseHandle, timestamp: Timestamp): void {
    this.writeMetadata(handle, clearMetadata(this.readMetadata(handle), timestamp));
  }

  /** Raises put_timestamp to `timestamp` if that is newer. */
  protected raisePutTimestamp(handle: DatabaseHandle, timestamp: Timestamp): void {
    handle
      .statement(`UPDATE ${this.statTable} SET put_timestamp = ? WHERE put_timestamp < ?`)
      .run(timestamp.internal, timestamp.internal);
  }

  /** Raises delete_timestamp to `timestamp` and marks the status, if that is newer. */
  protected raiseDeleteTimestamp(handle: DatabaseHandle, timestamp: Timestamp): boolean {
    const result = handle
      .statement(
        `UPDATE ${this.statTable} SET delete_timestamp = ?, status = 'DELETED', status_changed_at = ? WHERE delete_timestamp < ?`,
      )
      .run(timestamp.internal, timestamp.internal, timestamp.internal);
    return result.changes > 0;
  }

  protected setStatusChangedAt(handle: DatabaseHandle, timestamp: Timestamp, status = ''): void {
    handle
      .statement(`UPDATE ${this.statTable} SET status = ?, status_changed_at = ?`)
      .run(status, timestamp.internal);
  }

  private readMetadata(handle: DatabaseHandle): Metadata {
    const row = handle.statement(`SELECT metadata FROM ${this.statTable}`).get() as {
      metadata: string;
    };
    return parseMetadata(row.metadata);
  }

  private writeMetadata(handle: DatabaseHandle, metadata: Metadata): void {
    handle.statement(`UPDATE ${this.statTable} SET metadata = ?`).run(JSON.stringify(metadata));
  }
}

const indexedHandles = new WeakSet<DatabaseHandle>();

/** The partial index of tombstone rows that reclaim reads (in each kind's schema too). */
export function tombstoneIndexSql(
  table: 'object' | 'container',
  column: 'created_at' | 'delete_timestamp',
): string {
  return `CREATE INDEX IF NOT EXISTS ix_${table}_tombstones ON ${table} (${column}) WHERE deleted = 1;`;
}

function nowText(): string {
  return Timestamp.now().internal;
}

/** The ROWID of a row from a replica; 400 unless a positive integer. */
export function rowIdOf(row: unknown): number {
  const rowId = (row as { ROWID?: unknown } | null)?.ROWID;
  if (typeof rowId !== 'number' || !Number.isSafeInteger(rowId) || rowId < 1) {
    throw new StratusError('BAD_REQUEST', 'Invalid replicated row: ROWID');
  }
  return rowId;
}
