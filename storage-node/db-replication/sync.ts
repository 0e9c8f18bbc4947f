/**
 * The sending side of database replication: bring one peer's replica of one database up to
 * date with ours (Swift's `_repl_to_node`, `_usync_db`, `_rsync_db`).
 *
 * 1. `sync`: tell the peer our id, highest ROWID, timestamps and metadata; it merges those and
 *    answers its own and the highest of our ROWIDs it has (its sync point for us). Its
 *    metadata and timestamps merge into ours too, newest winning on both sides.
 * 2. Peer has no such database (404): send a full copy (`copy_begin`, `copy_rows` per batch,
 *    `copy_complete`).
 * 3. Nothing of ours above the sync point (the larger of the peer's answer and our own
 *    record of what it confirmed): done, one request.
 * 4. Far behind (more than `perDiff` rows and more than half our ROWIDs unsent): a full copy,
 *    merged into the peer's database — fewer, larger steps than rows one batch at a time.
 * 5. Otherwise the rows above the sync point, `perDiff` per `merge_items`, at most `maxDiffs`
 *    batches per pass (the peer's sync point moves with every batch, so the next pass goes on
 *    where this one stopped); then `merge_syncs` (what we have from third replicas, the peer
 *    now has too) and we record the new point as confirmed.
 *
 * Tombstone rows are rows like any other, so deletions travel; every merge keeps the newest.
 */
import type { SyncPoint } from '../db/sync-points.js';
import type { DatabaseNames, ReplicatedBroker, ReplicatedInfo } from './kinds.js';
import { mergeStamp, stampOf } from './merge.js';
import { parseSyncReply, type CopyCompleteReply, type ReplicationMessage } from './protocol.js';
import type { RpcReply } from './rpc.js';

/** Another replica of the database, as the replicator talks to it. */
export interface Peer {
  send(message: ReplicationMessage): Promise<RpcReply>;
}

export interface PushSettings {
  /** Rows per message (Swift's per_diff, 1000). */
  perDiff: number;
  /** Batches of rows per peer per pass (Swift's max_diffs, 100). */
  maxDiffs: number;
}

/** Counters a push adds to. */
export interface PushFigures {
  rowsSent: number;
}

/**
 * - `in-sync`: the peer had everything;
 * - `diffs`: rows were sent and the peer now has everything;
 * - `capped`: rows were sent but more remain (next pass);
 * - `full-copy`: the peer got (or merged) a whole copy;
 * - `unmounted`: the peer's drive is not there (507): try a handoff instead.
 */
export type PushOutcome = 'in-sync' | 'diffs' | 'capped' | 'full-copy' | 'unmounted';

export class PeerError extends Error {}

function expectOk(reply: RpcReply, op: string): void {
  if (reply.status < 200 || reply.status >= 300) {
    throw new PeerError(`${op} answered ${reply.status}`);
  }
}

export async function pushDatabase(
  broker: ReplicatedBroker,
  peer: Peer,
  settings: PushSettings,
  figures: PushFigures,
): Promise<PushOutcome> {
  const info = broker.info();
  if (!info) throw new Error('the database disappeared');
  const maxRow = broker.maxRow();
  const reply = await peer.send({ op: 'sync', id: info.id, maxRow, ...stampOf(info) });
  if (reply.status === 404) {
    await sendFullCopy(broker, info, maxRow, peer, settings, figures);
    return 'full-copy';
  }
  if (reply.status === 507) return 'unmounted';
  expectOk(reply, 'sync');
  const remote = parseSyncReply(reply.body);
  mergeStamp(broker, remote);
  const point = Math.max(remote.point, broker.syncPoint('outgoing', remote.id));
  if (point >= maxRow) return 'in-sync';
  if (maxRow - point > settings.perDiff && point < maxRow / 2) {
    await sendFullCopy(broker, info, maxRow, peer, settings, figures);
    return 'full-copy';
  }
  return sendRowsSince(broker, info, point, maxRow, remote.id, peer, settings, figures);
}

async function sendRowsSince(
  broker: ReplicatedBroker,
  info: ReplicatedInfo,
  point: number,
  maxRow: number,
  remoteId: string,
  peer: Peer,
  settings: PushSettings,
  figures: PushFigures,
): Promise<PushOutcome> {
  let sent = point;
  let batches = 0;
  for (let rows = broker.rowsSince(sent, settings.perDiff); rows.length > 0;) {
    if (batches === settings.maxDiffs) return 'capped';
    expectOk(await peer.send({ op: 'merge_items', source: info.id, rows }), 'merge_items');
    figures.rowsSent += rows.length;
    batches += 1;
    sent = rows[rows.length - 1]!.ROWID;
    rows = broker.rowsSince(sent, settings.perDiff);
  }
  // Nothing above `sent` now, so everything up to the highest ROWID seen at the start is sent.
  sent = Math.max(sent, maxRow);
  const syncs = broker.syncPoints('incoming').filter((p) => p.remoteId !== remoteId);
  expectOk(await peer.send({ op: 'merge_syncs', syncs }), 'merge_syncs');
  broker.mergeSyncPoints('outgoing', [{ remoteId, syncPoint: sent }]);
  return 'diffs';
}

async function sendFullCopy(
  broker: ReplicatedBroker,
  info: ReplicatedInfo,
  maxRow: number,
  peer: Peer,
  settings: PushSettings,
  figures: PushFigures,
): Promise<void> {
  const names: DatabaseNames =
    info.container === undefined
      ? { account: info.account }
      : { account: info.account, container: info.container };
  const begin = await peer.send({ op: 'copy_begin', names, ...stampOf(info) });
  expectOk(begin, 'copy_begin');
  const token = (begin.body as { token?: unknown } | undefined)?.token;
  if (typeof token !== 'string') throw new PeerError('copy_begin answered no token');
  let sent = 0;
  for (let rows = broker.rowsSince(0, settings.perDiff); rows.length > 0;) {
    expectOk(await peer.send({ op: 'copy_rows', token, rows }), 'copy_rows');
    figures.rowsSent += rows.length;
    sent = rows[rows.length - 1]!.ROWID;
    rows = broker.rowsSince(sent, settings.perDiff);
  }
  sent = Math.max(sent, maxRow);
  const syncs: SyncPoint[] = broker.syncPoints('incoming');
  const done = await peer.send({ op: 'copy_complete', token, source: info.id, point: sent, syncs });
  expectOk(done, 'copy_complete');
  const copyId = (done.body as Partial<CopyCompleteReply> | undefined)?.id;
  if (typeof copyId !== 'string') throw new PeerError('copy_complete answered no id');
  broker.mergeSyncPoints('outgoing', [{ remoteId: copyId, syncPoint: sent }]);
}
