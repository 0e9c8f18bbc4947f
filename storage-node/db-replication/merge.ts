/**
 * Merging one whole database into another replica of the same account or container: every
 * row (newest wins, tombstones included), the metadata and the timestamps. Used when a full
 * copy arrives for a database that is already there (Swift's rsync_then_merge, without
 * replacing a file other processes have open) and when a database moved aside for removal
 * turns out to have changed.
 */
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { Timestamp } from '../../common/timestamp.js';
import type { DatabaseInfo } from '../db/broker.js';
import type { ReplicatedBroker } from './kinds.js';
import type { DatabaseStamp } from './protocol.js';

export function stampOf(info: DatabaseInfo): DatabaseStamp {
  return {
    createdAt: info.createdAt.internal,
    putTimestamp: info.putTimestamp.internal,
    deleteTimestamp: info.deleteTimestamp.internal,
    metadata: info.metadata,
  };
}

/** Takes another replica's timestamps and metadata, newest winning. */
export function mergeStamp(broker: ReplicatedBroker, stamp: DatabaseStamp): void {
  broker.mergeReplicatedMetadata(stamp.metadata);
  broker.mergeTimestamps(
    Timestamp.parse(stamp.createdAt),
    Timestamp.parse(stamp.putTimestamp),
    Timestamp.parse(stamp.deleteTimestamp),
  );
}

/**
 * Merges every row of `source` into `target`, `batch` rows per transaction (other requests
 * get the database between batches), then its metadata and timestamps. Returns rows changed.
 */
export async function mergeDatabaseInto(
  source: ReplicatedBroker,
  target: ReplicatedBroker,
  batch: number,
): Promise<number> {
  let merged = 0;
  let point = 0;
  for (;;) {
    const rows = source.rowsSince(point, batch);
    if (rows.length === 0) break;
    merged += target.mergeRows(rows);
    point = rows[rows.length - 1]!.ROWID;
    await yieldToEvents();
  }
  const info = source.info();
  if (info) mergeStamp(target, stampOf(info));
  return merged;
}
