/**
 * A container's database: one row per object name, the newest timestamp winning. A row is
 * never updated in place (a trigger forbids it): a change deletes the row and inserts the new
 * one, so ROWID (AUTOINCREMENT, never reused) grows with every change and replication can later
 * send "every row since N". A deleted object keeps a tombstone row (deleted = 1) so an older
 * PUT arriving late cannot bring it back. object_count and bytes_used are kept exact by
 * triggers in the same transaction.
 *
 * Listings read a covering partial index (live rows, every listed column): a page never
 * touches the table, so it costs the same whatever order the rows were written in (a page of
 * 10 000 from 1 000 000 rows written in scattered order: about 7 ms instead of 33 ms through a
 * name-only index), for about half again the file size.
 */
import { StratusError } from '../../common/errors.js';
import type { ListingParams, SubdirRecord } from '../../common/listing.js';
import { Timestamp } from '../../common/timestamp.js';
import {
  DatabaseBroker,
  newStatValues,
  rowIdOf,
  tombstoneIndexSql,
  STAT_COLUMNS,
  statInfo,
  ZERO_TIMESTAMP,
  type DatabaseInfo,
  type NewDatabase,
  type StatRow,
} from '../db/broker.js';
import { createDatabase } from '../db/files.js';
import type { DatabaseHandle } from '../db/handles.js';
import type { Metadata } from '../db/metadata.js';
import { listNames, rangeConditions, type NameRange } from '../db/name-listing.js';
import { SYNC_TABLES } from '../db/sync-points.js';

const SCHEMA = `
  CREATE TABLE object (
    ROWID INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    etag TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX ix_object_listing ON object (name, created_at, size, content_type, etag) WHERE deleted = 0;

  CREATE TABLE container_stat (
    account TEXT NOT NULL,
    container TEXT NOT NULL,${STAT_COLUMNS},
    object_count INTEGER NOT NULL DEFAULT 0,
    bytes_used INTEGER NOT NULL DEFAULT 0,
    reported_put_timestamp TEXT NOT NULL DEFAULT '${ZERO_TIMESTAMP}',
    reported_delete_timestamp TEXT NOT NULL DEFAULT '${ZERO_TIMESTAMP}',
    reported_object_count INTEGER NOT NULL DEFAULT 0,
    reported_bytes_used INTEGER NOT NULL DEFAULT 0
  );

  CREATE TRIGGER object_no_update BEFORE UPDATE ON object
  BEGIN
    SELECT RAISE(FAIL, 'UPDATE not allowed; DELETE and INSERT');
  END;
  CREATE TRIGGER object_insert AFTER INSERT ON object
  BEGIN
    UPDATE container_stat
    SET object_count = object_count + (1 - new.deleted),
        bytes_used = bytes_used + (1 - new.deleted) * new.size;
  END;
  CREATE TRIGGER object_delete AFTER DELETE ON object
  BEGIN
    UPDATE container_stat
    SET object_count = object_count - (1 - old.deleted),
        bytes_used = bytes_used - (1 - old.deleted) * old.size;
  END;
  ${tombstoneIndexSql('object', 'created_at')}
${SYNC_TABLES}`;

interface ContainerStatRow extends StatRow {
  account: string;
  container: string;
  object_count: number;
  bytes_used: number;
  reported_put_timestamp: string;
  reported_delete_timestamp: string;
  reported_object_count: number;
  reported_bytes_used: number;
}

export interface ContainerInfo extends DatabaseInfo {
  account: string;
  container: string;
  objectCount: number;
  bytesUsed: number;
  /** What the account servers last acknowledged (put, delete, count, bytes), to know when to tell them again. */
  reported: {
    putTimestamp: string;
    deleteTimestamp: string;
    objectCount: number;
    bytesUsed: number;
  };
}

/** An object row as listings read it: name, created_at (internal timestamp), size, content_type, etag. */
export type ObjectRow = readonly [
  name: string,
  createdAt: string,
  size: number,
  contentType: string,
  etag: string,
];

/** One change to an object row. */
export interface ObjectUpdate {
  name: string;
  timestamp: Timestamp;
  size: number;
  contentType: string;
  etag: string;
  deleted: boolean;
}

export interface NewContainer extends NewDatabase {
  account: string;
  container: string;
}

export type ContainerPutOutcome = 'updated' | 'recreated' | 'still-deleted';
export type ContainerDeleteOutcome = 'deleted' | 'already-deleted' | 'not-empty' | 'newer-put';

/** What Swift stores for a deleted object's row. */
const TOMBSTONE = { size: 0, contentType: 'application/deleted', etag: 'noetag' };

export class ContainerBroker extends DatabaseBroker<ContainerInfo> {
  protected readonly statTable = 'container_stat';
  protected readonly metadataTarget = 'container';
  protected readonly rowTable = 'object';
  protected readonly tombstoneColumn = 'created_at';

  /** Creates the database; false when it already existed (nothing changed then). */
  static create(devicePath: string, path: string, init: NewContainer): Promise<boolean> {
    return createDatabase(devicePath, path, (db) => {
      db.exec(SCHEMA);
      const stat = newStatValues(init);
      db.prepare(
        `INSERT INTO container_stat (account, container, created_at, put_timestamp, status_changed_at, id, metadata)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        init.account,
        init.container,
        stat.created_at,
        stat.put_timestamp,
        stat.status_changed_at,
        stat.id,
        stat.metadata,
      );
    });
  }

  info(): ContainerInfo | undefined {
    const handle = this.handles.get(this.path);
    if (!handle) return undefined;
    const row = handle.statement('SELECT * FROM container_stat').get() as ContainerStatRow;
    return {
      ...statInfo(row),
      account: row.account,
      container: row.container,
      objectCount: row.object_count,
      bytesUsed: row.bytes_used,
      reported: {
        putTimestamp: row.reported_put_timestamp,
        deleteTimestamp: row.reported_delete_timestamp,
        objectCount: row.reported_object_count,
        bytesUsed: row.reported_bytes_used,
      },
    };
  }

  /** Deleted: no objects and deleted after the last PUT. */
  isDeleted(info: ContainerInfo): boolean {
    return info.objectCount === 0 && info.deleteTimestamp.compare(info.putTimestamp) > 0;
  }

  /**
   * A container PUT on an existing database: raises put_timestamp and merges the metadata, in
   * one transaction. 'still-deleted' (nothing changed) when the container was deleted after
   * `timestamp`; 'recreated' when it was deleted before.
   */
  recordPut(timestamp: Timestamp, metadata: Metadata): ContainerPutOutcome {
    const handle = this.handle();
    return handle.write(() => {
      const before = this.info()!;
      const wasDeleted = this.isDeleted(before);
      if (wasDeleted && before.deleteTimestamp.compare(timestamp) > 0) return 'still-deleted';
      this.raisePutTimestamp(handle, timestamp);
      if (wasDeleted) this.setStatusChangedAt(handle, timestamp);
      this.mergeMetadataIn(handle, metadata);
      return wasDeleted ? 'recreated' : 'updated';
    });
  }

  /** A container POST: merges metadata and (as Swift) raises put_timestamp unless told not to. */
  recordPost(timestamp: Timestamp, metadata: Metadata, raisePut: boolean): void {
    const handle = this.handle();
    handle.write(() => {
      if (raisePut) this.raisePutTimestamp(handle, timestamp);
      this.mergeMetadataIn(handle, metadata);
    });
  }

  /**
   * A container DELETE: refused while objects remain ('not-empty') or when the container was
   * PUT at or after `timestamp` ('newer-put'); otherwise records the deletion and clears the
   * metadata. 'already-deleted' when there was nothing live to delete.
   */
  recordDelete(timestamp: Timestamp): ContainerDeleteOutcome {
    const handle = this.handle();
    return handle.write(() => {
      const before = this.info()!;
      if (before.objectCount > 0) return 'not-empty';
      const wasDeleted = this.isDeleted(before);
      if (!wasDeleted && timestamp.compare(before.putTimestamp) <= 0) return 'newer-put';
      if (this.raiseDeleteTimestamp(handle, timestamp)) this.clearMetadataIn(handle, timestamp);
      return wasDeleted ? 'already-deleted' : 'deleted';
    });
  }

  /** Records an object PUT; false (nothing changed) when the row is as new or newer. */
  putObject(
    name: string,
    timestamp: Timestamp,
    size: number,
    contentType: string,
    etag: string,
  ): boolean {
    return this.mergeObjects([{ name, timestamp, size, contentType, etag, deleted: false }]) === 1;
  }

  /** Records an object DELETE as a tombstone; false when the row is as new or newer. */
  deleteObject(name: string, timestamp: Timestamp): boolean {
    return this.mergeObjects([{ name, timestamp, ...TOMBSTONE, deleted: true }]) === 1;
  }

  /**
   * Applies object changes in one transaction, each only if newer than the row it replaces
   * (the same rule whether the change comes from an object server or a replica). Returns how
   * many changed a row.
   */
  mergeObjects(updates: readonly ObjectUpdate[]): number {
    const handle = this.handle();
    return handle.write(() => applyObjectUpdates(handle, updates));
  }

  /** Object rows from a replica (`object` table columns), tombstones included. */
  protected mergeRowsIn(handle: DatabaseHandle, rows: readonly unknown[]): number {
    return applyObjectUpdates(handle, rows.map(objectUpdateOf));
  }

  listObjects(params: ListingParams): (ObjectRow | SubdirRecord)[] {
    const handle = this.handle();
    return listNames(params, (range, limit, reverse, whole) =>
      pageOfObjects(handle, range, limit, reverse, whole),
    );
  }

  /** Notes that the account servers now know `info`'s timestamps and counts. */
  markReported(info: ContainerInfo): void {
    this.handle()
      .statement(
        `UPDATE container_stat SET reported_put_timestamp = ?, reported_delete_timestamp = ?,
         reported_object_count = ?, reported_bytes_used = ?`,
      )
      .run(
        info.putTimestamp.internal,
        info.deleteTimestamp.internal,
        info.objectCount,
        info.bytesUsed,
      );
  }
}

/** Applies each update only if newer than the row it replaces; call inside a write transaction. */
function applyObjectUpdates(handle: DatabaseHandle, updates: readonly ObjectUpdate[]): number {
  const select = handle.statement('SELECT created_at FROM object WHERE name = ?');
  const remove = handle.statement('DELETE FROM object WHERE name = ?');
  const insert = handle.statement(
    'INSERT INTO object (name, created_at, size, content_type, etag, deleted) VALUES (?, ?, ?, ?, ?, ?)',
  );
  let applied = 0;
  for (const update of updates) {
    const existing = select.get(update.name) as { created_at: string } | undefined;
    if (existing && Timestamp.parse(existing.created_at).compare(update.timestamp) >= 0) continue;
    if (existing) remove.run(update.name);
    insert.run(
      update.name,
      update.timestamp.internal,
      update.size,
      update.contentType,
      update.etag,
      update.deleted ? 1 : 0,
    );
    applied += 1;
  }
  return applied;
}

/** An `object` row from a replica as an update; 400 when any column is malformed. */
function objectUpdateOf(row: unknown): ObjectUpdate {
  rowIdOf(row);
  const r = row as Record<string, unknown>;
  const bad = (column: string) =>
    new StratusError('BAD_REQUEST', `Invalid replicated object row: ${column}`);
  if (typeof r.name !== 'string' || r.name === '') throw bad('name');
  if (typeof r.created_at !== 'string') throw bad('created_at');
  let timestamp: Timestamp;
  try {
    timestamp = Timestamp.parse(r.created_at);
  } catch {
    throw bad('created_at');
  }
  if (typeof r.size !== 'number' || !Number.isSafeInteger(r.size) || r.size < 0) throw bad('size');
  if (typeof r.content_type !== 'string') throw bad('content_type');
  if (typeof r.etag !== 'string') throw bad('etag');
  if (r.deleted !== 0 && r.deleted !== 1) throw bad('deleted');
  return {
    name: r.name,
    timestamp,
    size: r.size,
    contentType: r.content_type,
    etag: r.etag,
    deleted: r.deleted === 1,
  };
}

function pageOfObjects(
  handle: DatabaseHandle,
  range: NameRange,
  limit: number,
  reverse: boolean,
  whole = false,
): Iterable<ObjectRow> {
  const { sql, args } = rangeConditions(range);
  const statement = handle
    .statement(
      `SELECT name, created_at, size, content_type, etag FROM object WHERE deleted = 0${sql} ORDER BY name${reverse ? ' DESC' : ''} LIMIT ?`,
    )
    .raw(true);
  return (
    whole ? statement.all(...args, limit) : statement.iterate(...args, limit)
  ) as Iterable<ObjectRow>;
}
