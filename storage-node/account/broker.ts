/**
 * An account's database: one row per container, fed by the container servers' reports
 * (put and delete timestamps, object count, bytes used). Rows are replaced, never updated
 * (delete + insert, ROWID AUTOINCREMENT), like a container's object rows; container_count,
 * object_count and bytes_used of the account are kept exact by triggers. Listings read a
 * covering partial index of the live rows, as for containers.
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
  CREATE TABLE container (
    ROWID INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    put_timestamp TEXT NOT NULL,
    delete_timestamp TEXT NOT NULL,
    object_count INTEGER NOT NULL,
    bytes_used INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX ix_container_listing ON container (name, object_count, bytes_used, put_timestamp) WHERE deleted = 0;

  CREATE TABLE account_stat (
    account TEXT NOT NULL,${STAT_COLUMNS},
    container_count INTEGER NOT NULL DEFAULT 0,
    object_count INTEGER NOT NULL DEFAULT 0,
    bytes_used INTEGER NOT NULL DEFAULT 0
  );

  CREATE TRIGGER container_no_update BEFORE UPDATE ON container
  BEGIN
    SELECT RAISE(FAIL, 'UPDATE not allowed; DELETE and INSERT');
  END;
  CREATE TRIGGER container_insert AFTER INSERT ON container
  BEGIN
    UPDATE account_stat
    SET container_count = container_count + (1 - new.deleted),
        object_count = object_count + (1 - new.deleted) * new.object_count,
        bytes_used = bytes_used + (1 - new.deleted) * new.bytes_used;
  END;
  CREATE TRIGGER container_delete AFTER DELETE ON container
  BEGIN
    UPDATE account_stat
    SET container_count = container_count - (1 - old.deleted),
        object_count = object_count - (1 - old.deleted) * old.object_count,
        bytes_used = bytes_used - (1 - old.deleted) * old.bytes_used;
  END;
  ${tombstoneIndexSql('container', 'delete_timestamp')}
${SYNC_TABLES}`;

interface AccountStatRow extends StatRow {
  account: string;
  container_count: number;
  object_count: number;
  bytes_used: number;
}

export interface AccountInfo extends DatabaseInfo {
  account: string;
  containerCount: number;
  objectCount: number;
  bytesUsed: number;
}

/** A container row as listings read it: name, object_count, bytes_used, put_timestamp (internal). */
export type ContainerRow = readonly [
  name: string,
  objectCount: number,
  bytesUsed: number,
  putTimestamp: string,
];

/** What a container server reports about one container. */
export interface ContainerReport {
  putTimestamp: Timestamp;
  deleteTimestamp: Timestamp;
  objectCount: number;
  bytesUsed: number;
}

export interface NewAccount extends NewDatabase {
  account: string;
}

export type AccountPutOutcome = 'updated' | 'recreated' | 'still-deleted';

interface StoredContainer {
  put_timestamp: string;
  delete_timestamp: string;
  object_count: number;
  bytes_used: number;
}

export class AccountBroker extends DatabaseBroker<AccountInfo> {
  protected readonly statTable = 'account_stat';
  protected readonly metadataTarget = 'account';
  protected readonly rowTable = 'container';
  protected readonly tombstoneColumn = 'delete_timestamp';

  /** Creates the database; false when it already existed (nothing changed then). */
  static create(devicePath: string, path: string, init: NewAccount): Promise<boolean> {
    return createDatabase(devicePath, path, (db) => {
      db.exec(SCHEMA);
      const stat = newStatValues(init);
      db.prepare(
        `INSERT INTO account_stat (account, created_at, put_timestamp, status_changed_at, id, metadata)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(
        init.account,
        stat.created_at,
        stat.put_timestamp,
        stat.status_changed_at,
        stat.id,
        stat.metadata,
      );
    });
  }

  info(): AccountInfo | undefined {
    const handle = this.handles.get(this.path);
    if (!handle) return undefined;
    const row = handle.statement('SELECT * FROM account_stat').get() as AccountStatRow;
    return {
      ...statInfo(row),
      account: row.account,
      containerCount: row.container_count,
      objectCount: row.object_count,
      bytesUsed: row.bytes_used,
    };
  }

  /** Deleted: marked deleted by a DELETE, or without containers and deleted after the last PUT. */
  isDeleted(info: AccountInfo): boolean {
    return (
      info.status === 'DELETED' ||
      (info.containerCount === 0 && info.deleteTimestamp.compare(info.putTimestamp) > 0)
    );
  }

  /** Marked deleted by a DELETE (the reaper's job, later): such an account cannot be PUT again. */
  isStatusDeleted(info: AccountInfo): boolean {
    return info.status === 'DELETED' || info.deleteTimestamp.compare(info.putTimestamp) > 0;
  }

  /** An account PUT on an existing database: raises put_timestamp and merges the metadata. */
  recordPut(timestamp: Timestamp, metadata: Metadata): AccountPutOutcome {
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

  /** An account DELETE: marks the account deleted and clears its metadata. */
  recordDelete(timestamp: Timestamp): void {
    const handle = this.handle();
    handle.write(() => {
      if (this.raiseDeleteTimestamp(handle, timestamp)) this.clearMetadataIn(handle, timestamp);
    });
  }

  /**
   * Merges a container server's report. Each timestamp keeps its newest value. The counts
   * change without a new timestamp (objects come and go), so a report replaces them unless it
   * is older than what is stored (its newest timestamp below the row's): a late report from
   * before a DELETE cannot revive the container. The row is deleted when deleted after its
   * last PUT and empty.
   */
  putContainer(name: string, report: ContainerReport): void {
    const handle = this.handle();
    handle.write(() => mergeContainerRow(handle, name, report));
  }

  /**
   * Container rows from a replica (`container` table columns), merged by the same rule as a
   * container server's report; `deleted` is worked out again here rather than trusted.
   */
  protected mergeRowsIn(handle: DatabaseHandle, rows: readonly unknown[]): number {
    let applied = 0;
    for (const [name, report] of rows.map(containerReportOf)) {
      if (mergeContainerRow(handle, name, report)) applied += 1;
    }
    return applied;
  }

  listContainers(params: ListingParams): (ContainerRow | SubdirRecord)[] {
    const handle = this.handle();
    return listNames(params, (range, limit, reverse, whole) =>
      pageOfContainers(handle, range, limit, reverse, whole),
    );
  }
}

/** Merges one container's report into its row (see `putContainer`); false when nothing changed. */
function mergeContainerRow(handle: DatabaseHandle, name: string, report: ContainerReport): boolean {
  const existing = handle
    .statement(
      'SELECT put_timestamp, delete_timestamp, object_count, bytes_used FROM container WHERE name = ?',
    )
    .get(name) as StoredContainer | undefined;
  let putTimestamp = report.putTimestamp;
  let deleteTimestamp = report.deleteTimestamp;
  let { objectCount, bytesUsed } = report;
  if (existing) {
    const storedPut = Timestamp.parse(existing.put_timestamp);
    const storedDelete = Timestamp.parse(existing.delete_timestamp);
    if (storedPut.compare(putTimestamp) > 0) putTimestamp = storedPut;
    if (storedDelete.compare(deleteTimestamp) > 0) deleteTimestamp = storedDelete;
    if (
      newest(report.putTimestamp, report.deleteTimestamp).compare(newest(storedPut, storedDelete)) <
      0
    ) {
      objectCount = existing.object_count;
      bytesUsed = existing.bytes_used;
    }
    const unchanged =
      putTimestamp.equals(storedPut) &&
      deleteTimestamp.equals(storedDelete) &&
      objectCount === existing.object_count &&
      bytesUsed === existing.bytes_used;
    if (unchanged) return false;
    handle.statement('DELETE FROM container WHERE name = ?').run(name);
  }
  const deleted = deleteTimestamp.compare(putTimestamp) > 0 && objectCount === 0 ? 1 : 0;
  handle
    .statement(
      'INSERT INTO container (name, put_timestamp, delete_timestamp, object_count, bytes_used, deleted) VALUES (?, ?, ?, ?, ?, ?)',
    )
    .run(name, putTimestamp.internal, deleteTimestamp.internal, objectCount, bytesUsed, deleted);
  return true;
}

/** A `container` row from a replica as a report; 400 when any column is malformed. */
function containerReportOf(row: unknown): [string, ContainerReport] {
  rowIdOf(row);
  const r = row as Record<string, unknown>;
  const bad = (column: string) =>
    new StratusError('BAD_REQUEST', `Invalid replicated container row: ${column}`);
  const timestamp = (column: string): Timestamp => {
    const value = r[column];
    if (typeof value !== 'string') throw bad(column);
    try {
      return Timestamp.parse(value);
    } catch {
      throw bad(column);
    }
  };
  const count = (column: string): number => {
    const value = r[column];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw bad(column);
    return value;
  };
  if (typeof r.name !== 'string' || r.name === '') throw bad('name');
  return [
    r.name,
    {
      putTimestamp: timestamp('put_timestamp'),
      deleteTimestamp: timestamp('delete_timestamp'),
      objectCount: count('object_count'),
      bytesUsed: count('bytes_used'),
    },
  ];
}

function newest(a: Timestamp, b: Timestamp): Timestamp {
  return a.compare(b) >= 0 ? a : b;
}

function pageOfContainers(
  handle: DatabaseHandle,
  range: NameRange,
  limit: number,
  reverse: boolean,
  whole = false,
): Iterable<ContainerRow> {
  const { sql, args } = rangeConditions(range);
  const statement = handle
    .statement(
      `SELECT name, object_count, bytes_used, put_timestamp FROM container WHERE deleted = 0${sql} ORDER BY name${reverse ? ' DESC' : ''} LIMIT ?`,
    )
    .raw(true);
  return (
    whole ? statement.all(...args, limit) : statement.iterate(...args, limit)
  ) as Iterable<ContainerRow>;
}
