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

export abstract class DatabaseBroker<Info extends DatabaseInfo> {
  protected abstract readonly statTable: 'container_stat' | 'account_stat';
  protected abstract readonly metadataTarget: 'container' | 'account';

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
