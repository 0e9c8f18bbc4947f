/**
 * The database replication protocol: one JSON message per request,
 *
 *   REPORT /<device>/<partition>/<hash>      (Swift's REPLICATE; see http/types.ts)
 *   {"op": "sync", ...}
 *
 * sent by a replicator to the container or account server holding another replica. Swift's
 * operations, with Stratus's names and JSON objects instead of positional lists:
 *
 * | op              | Swift               | what the receiver does                                                     |
 * | --------------- | ------------------- | -------------------------------------------------------------------------- |
 * | `sync`          | `sync`              | merges the sender's timestamps and metadata; answers its own, and its sync point for the sender (404: no such database) |
 * | `merge_items`   | `merge_items`       | merges a batch of the sender's rows, newest wins, and moves its sync point for the sender to the last ROWID |
 * | `merge_syncs`   | `merge_syncs`       | raises its incoming sync points to the sender's (what the sender has from third replicas, we now have too) |
 * | `copy_begin`    | `rsync` (start)     | starts a new database in `<device>/tmp` with the sender's names and timestamps; answers a token |
 * | `copy_rows`     | (the rsync'd file)  | adds a batch of rows to it                                                  |
 * | `copy_complete` | `complete_rsync` / `rsync_then_merge` | links it into place, or merges it into the database that is there |
 *
 * Swift copies the whole file with rsync; Stratus sends the rows in batches over the same
 * HTTP as everything else, and never replaces a database file another process may have open.
 */
import { StratusError } from '../../common/errors.js';
import { Timestamp } from '../../common/timestamp.js';
import type { Metadata } from '../db/metadata.js';
import type { SyncPoint } from '../db/sync-points.js';
import type { DatabaseNames } from './kinds.js';

/** A database's timestamps and metadata, as `sync` and `copy_begin` carry them (internal forms). */
export interface DatabaseStamp {
  createdAt: string;
  putTimestamp: string;
  deleteTimestamp: string;
  metadata: Metadata;
}

export interface SyncMessage extends DatabaseStamp {
  op: 'sync';
  /** The sender's database id. */
  id: string;
  maxRow: number;
}

export interface SyncReply extends DatabaseStamp {
  /** The receiver's database id. */
  id: string;
  maxRow: number;
  /** The highest ROWID of the sender's rows the receiver has merged. */
  point: number;
}

export interface MergeItemsMessage {
  op: 'merge_items';
  source: string;
  rows: unknown[];
}

export interface MergeSyncsMessage {
  op: 'merge_syncs';
  syncs: SyncPoint[];
}

export interface CopyBeginMessage extends DatabaseStamp {
  op: 'copy_begin';
  names: DatabaseNames;
}

export interface CopyRowsMessage {
  op: 'copy_rows';
  token: string;
  rows: unknown[];
}

export interface CopyCompleteMessage {
  op: 'copy_complete';
  token: string;
  /** The sender's database id, and the highest of its ROWIDs the copy holds. */
  source: string;
  point: number;
  /** The sender's incoming sync points, which the copy inherits. */
  syncs: SyncPoint[];
}

export interface CopyCompleteReply {
  /** The id of the receiver's database now holding the copy. */
  id: string;
  /** True when the copy became the database; false when it was merged into one already there. */
  created: boolean;
}

export type ReplicationMessage =
  | SyncMessage
  | MergeItemsMessage
  | MergeSyncsMessage
  | CopyBeginMessage
  | CopyRowsMessage
  | CopyCompleteMessage;

/** The most a message may weigh: a batch of 1000 rows with the longest names is about 1.5 MB. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const TOKEN = /^[0-9a-f]{32}$/;

function bad(what: string): StratusError {
  return new StratusError('BAD_REQUEST', `Invalid replication message: ${what}`);
}

function text(body: Record<string, unknown>, key: string, pattern?: RegExp): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '' || (pattern && !pattern.test(value)))
    throw bad(key);
  return value;
}

function count(body: Record<string, unknown>, key: string): number {
  const value = body[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw bad(key);
  return value;
}

function timestamp(body: Record<string, unknown>, key: string): string {
  const value = text(body, key);
  try {
    return Timestamp.parse(value).internal;
  } catch {
    throw bad(key);
  }
}

function rows(body: Record<string, unknown>): unknown[] {
  const value = body.rows;
  if (!Array.isArray(value)) throw bad('rows');
  return value;
}

function metadata(body: Record<string, unknown>): Metadata {
  const value = body.metadata;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('metadata');
  const result: Metadata = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (
      !Array.isArray(entry) ||
      entry.length !== 2 ||
      typeof entry[0] !== 'string' ||
      typeof entry[1] !== 'string'
    )
      throw bad(`metadata ${key}`);
    try {
      Timestamp.parse(entry[1]);
    } catch {
      throw bad(`metadata ${key}`);
    }
    result[key] = [entry[0], entry[1]];
  }
  return result;
}

function stamp(body: Record<string, unknown>): DatabaseStamp {
  return {
    createdAt: timestamp(body, 'createdAt'),
    putTimestamp: timestamp(body, 'putTimestamp'),
    deleteTimestamp: timestamp(body, 'deleteTimestamp'),
    metadata: metadata(body),
  };
}

function syncPoints(body: Record<string, unknown>): SyncPoint[] {
  const value = body.syncs;
  if (!Array.isArray(value)) throw bad('syncs');
  return value.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) throw bad('syncs');
    const point = entry as Record<string, unknown>;
    return { remoteId: text(point, 'remoteId'), syncPoint: count(point, 'syncPoint') };
  });
}

function names(body: Record<string, unknown>): DatabaseNames {
  const value = body.names;
  if (typeof value !== 'object' || value === null) throw bad('names');
  const parts = value as Record<string, unknown>;
  const result: DatabaseNames = { account: text(parts, 'account') };
  if (parts.container !== undefined) result.container = text(parts, 'container');
  return result;
}

/** Checks a decoded request body and returns it typed; 400 on anything unexpected. */
export function parseMessage(body: unknown): ReplicationMessage {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('not an object');
  const b = body as Record<string, unknown>;
  switch (b.op) {
    case 'sync':
      return { op: 'sync', id: text(b, 'id'), maxRow: count(b, 'maxRow'), ...stamp(b) };
    case 'merge_items':
      return { op: 'merge_items', source: text(b, 'source'), rows: rows(b) };
    case 'merge_syncs':
      return { op: 'merge_syncs', syncs: syncPoints(b) };
    case 'copy_begin':
      return { op: 'copy_begin', names: names(b), ...stamp(b) };
    case 'copy_rows':
      return { op: 'copy_rows', token: text(b, 'token', TOKEN), rows: rows(b) };
    case 'copy_complete':
      return {
        op: 'copy_complete',
        token: text(b, 'token', TOKEN),
        source: text(b, 'source'),
        point: count(b, 'point'),
        syncs: syncPoints(b),
      };
    default:
      throw bad('unknown op');
  }
}

/** Checks a `sync` answer from a peer (a peer is trusted no more than a client). */
export function parseSyncReply(body: unknown): SyncReply {
  if (typeof body !== 'object' || body === null) throw bad('sync reply');
  const b = body as Record<string, unknown>;
  return { id: text(b, 'id'), maxRow: count(b, 'maxRow'), point: count(b, 'point'), ...stamp(b) };
}
