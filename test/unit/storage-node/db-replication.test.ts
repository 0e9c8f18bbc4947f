/**
 * Container and account database replication on real SQLite files: the sending side
 * (pushDatabase) talks to the receiving side (DbReplicationRpc) of another "device" through a
 * JSON round trip, exactly the messages the REPORT verb carries.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusOf } from '../../../common/errors.js';
import { initHashing, PathHasher } from '../../../common/hash.js';
import { parseListingParams } from '../../../common/listing.js';
import { Timestamp } from '../../../common/timestamp.js';
import { AccountBroker } from '../../../storage-node/account/broker.js';
import { ContainerBroker } from '../../../storage-node/container/broker.js';
import {
  ACCOUNT_DBS,
  CONTAINER_DBS,
  type DbKind,
  type DatabaseNames,
  type ReplicatedBroker,
} from '../../../storage-node/db-replication/kinds.js';
import { removeDatabase } from '../../../storage-node/db-replication/remove.js';
import { DbReplicationRpc } from '../../../storage-node/db-replication/rpc.js';
import {
  pushDatabase,
  type Peer,
  type PushOutcome,
  type PushSettings,
} from '../../../storage-node/db-replication/sync.js';
import { databasePath } from '../../../storage-node/db/files.js';
import { DatabaseHandles } from '../../../storage-node/db/handles.js';

const root = await mkdtemp(join(tmpdir(), 'stratus-db-replication-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let hasher: PathHasher;
beforeAll(async () => {
  await initHashing();
  hasher = new PathHasher({ prefix: '', suffix: 'db-replication-test' });
});

const PARTITION = 5;
const ts = (seconds: number) => Timestamp.fromSeconds(1_700_000_000 + seconds);
const daysAgo = (days: number) => Timestamp.fromSeconds(Date.now() / 1000 - days * 86_400);

/** One replica of a database on its own device, and the peer that reaches its server side. */
interface Replica<B> {
  devicePath: string;
  path: string;
  handles: DatabaseHandles;
  broker: B;
  peer: Peer;
}

let containerCount = 0;

async function replica<B extends ReplicatedBroker>(
  kind: DbKind,
  names: DatabaseNames,
  create: boolean,
): Promise<Replica<B>> {
  const devicePath = await mkdtemp(join(root, 'sdb-'));
  const handles = new DatabaseHandles();
  const hash = kind.hash(hasher, names);
  const path = databasePath(devicePath, kind.dir, PARTITION, hash);
  if (create) expect(await kind.create(devicePath, path, names, ts(0))).toBe(true);
  const rpc = new DbReplicationRpc(kind, hasher, handles, 7);
  const peer: Peer = {
    // Through JSON, as on the wire.
    send: (message) =>
      rpc.handle(devicePath, PARTITION, hash, JSON.parse(JSON.stringify(message)) as unknown),
  };
  return { devicePath, path, handles, broker: kind.open(handles, path) as B, peer };
}

/** Replicas of one new container: the first `created` of them have a database. */
async function containerReplicas(
  count: number,
  created = count,
): Promise<Replica<ContainerBroker>[]> {
  const names = { account: 'AUTH_test', container: `c${++containerCount}` };
  const replicas: Replica<ContainerBroker>[] = [];
  for (let i = 0; i < count; i++) replicas.push(await replica(CONTAINER_DBS, names, i < created));
  return replicas;
}

const settings: PushSettings = { perDiff: 10, maxDiffs: 100 };

async function push(
  from: Replica<ReplicatedBroker>,
  to: Replica<ReplicatedBroker>,
  options: PushSettings = settings,
): Promise<{ outcome: PushOutcome; rowsSent: number }> {
  const figures = { rowsSent: 0 };
  const outcome = await pushDatabase(from.broker, to.peer, options, figures);
  return { outcome, rowsSent: figures.rowsSent };
}

/** Pushes both ways until neither has anything to send; returns the rounds it took. */
async function converge(
  a: Replica<ReplicatedBroker>,
  b: Replica<ReplicatedBroker>,
): Promise<number> {
  for (let round = 1; round <= 5; round++) {
    const there = await push(a, b);
    const back = await push(b, a);
    if (there.outcome === 'in-sync' && back.outcome === 'in-sync') return round;
  }
  throw new Error('replicas did not converge in 5 rounds');
}

/** Every row, tombstones included, without ROWIDs (which differ between replicas). */
function rows(broker: ReplicatedBroker): Record<string, unknown>[] {
  return broker
    .rowsSince(0, 1_000_000)
    .map(({ ROWID: _rowId, ...row }) => row)
    .sort((x, y) => String(x.name).localeCompare(String(y.name)));
}

function listing(broker: ContainerBroker): string[] {
  return broker
    .listObjects(parseListingParams(new URLSearchParams()))
    .map((row) => ('subdir' in row ? row.subdir : row[0]));
}

function put(broker: ContainerBroker, name: string, at: Timestamp, size = 10): void {
  broker.putObject(name, at, size, 'text/plain', `etag-${name}-${size}`);
}

describe('container database replication', () => {
  it('converges two replicas written on both sides, deletions included', async () => {
    const [a, b] = await containerReplicas(2);
    for (let i = 1; i <= 5; i++) put(a!.broker, `o${i}`, ts(i));
    put(b!.broker, 'o4', ts(10), 99); // newer than A's o4
    put(b!.broker, 'o6', ts(6));
    put(b!.broker, 'o7', ts(7));
    b!.broker.deleteObject('o2', ts(20)); // B saw o2's DELETE, A did not
    a!.broker.deleteObject('o7', ts(30)); // A saw o7's DELETE, B did not

    expect(await converge(a!, b!)).toBeLessThanOrEqual(3);

    for (const r of [a!, b!]) {
      expect(listing(r.broker)).toEqual(['o1', 'o3', 'o4', 'o5', 'o6']);
      const info = r.broker.info()!;
      expect(info.objectCount).toBe(5);
      expect(info.bytesUsed).toBe(10 + 10 + 99 + 10 + 10);
    }
    expect(rows(a!.broker)).toEqual(rows(b!.broker));
    // The tombstones travelled: an older PUT arriving late cannot bring o2 back anywhere.
    expect(
      rows(a!.broker)
        .filter((row) => row.deleted === 1)
        .map((row) => row.name),
    ).toEqual(['o2', 'o7']);
    put(a!.broker, 'o2', ts(15));
    expect(listing(a!.broker)).not.toContain('o2');
  });

  it('merges metadata and put/delete timestamps newest-wins, both ways', async () => {
    const [a, b] = await containerReplicas(2);
    a!.broker.recordPost(ts(1), { 'X-Container-Meta-Color': ['blue', ts(1).internal] }, true);
    b!.broker.recordPost(
      ts(2),
      {
        'X-Container-Meta-Color': ['red', ts(2).internal],
        'X-Container-Meta-Size': ['big', ts(2).internal],
      },
      true,
    );
    // A's older Color loses on B; B's newer keys reach A through the sync answer.
    expect((await push(a!, b!)).outcome).toBe('in-sync');
    for (const r of [a!, b!]) {
      const info = r.broker.info()!;
      expect(info.metadata).toEqual({
        'X-Container-Meta-Color': ['red', ts(2).internal],
        'X-Container-Meta-Size': ['big', ts(2).internal],
      });
      expect(info.putTimestamp.equals(ts(2))).toBe(true);
    }
    const created = [a!, b!].map((r) => r.broker.info()!.createdAt.internal);
    expect(created[0]).toBe(created[1]);

    // A DELETE that reached only B: A learns it (status too) at the next sync.
    expect(b!.broker.recordDelete(ts(3))).toBe('deleted');
    await push(b!, a!);
    const info = a!.broker.info()!;
    expect(a!.broker.isDeleted(info)).toBe(true);
    expect(info.status).toBe('DELETED');
    expect(info.deleteTimestamp.equals(ts(3))).toBe(true);
    expect(info.metadata['X-Container-Meta-Color']).toEqual(['', ts(3).internal]);
  });

  it('sends a full copy to a replica without the database', async () => {
    const [a, b] = await containerReplicas(2, 1);
    for (let i = 0; i < 25; i++) put(a!.broker, `o${i}`, ts(i));
    a!.broker.deleteObject('o3', ts(100));
    a!.broker.recordPost(ts(5), { 'X-Container-Meta-A': ['1', ts(5).internal] }, true);

    const copied = await push(a!, b!);
    expect(copied.outcome).toBe('full-copy');
    expect(copied.rowsSent).toBe(25);
    expect(existsSync(b!.path)).toBe(true);
    const [ai, bi] = [a!.broker.info()!, b!.broker.info()!];
    expect(bi.id).not.toBe(ai.id); // a replica of its own from now on
    expect(bi.createdAt.equals(ai.createdAt)).toBe(true);
    expect(bi.putTimestamp.equals(ai.putTimestamp)).toBe(true);
    expect(bi.metadata).toEqual(ai.metadata);
    expect([bi.objectCount, bi.bytesUsed]).toEqual([ai.objectCount, ai.bytesUsed]);
    expect(bi.reported.objectCount).toBe(0); // the copy reports its counts to the account itself
    expect(rows(b!.broker)).toEqual(rows(a!.broker));
    // Both sides know the copy holds everything: the next pass is one request.
    expect(b!.broker.syncPoint('incoming', ai.id)).toBe(a!.broker.maxRow());
    expect(a!.broker.syncPoint('outgoing', bi.id)).toBe(a!.broker.maxRow());
    expect(await push(a!, b!)).toEqual({ outcome: 'in-sync', rowsSent: 0 });
    expect(
      (await readdir(join(b!.devicePath, 'tmp'))).filter((n) => n.startsWith('dbcopy')),
    ).toEqual([]);
  });

  it('sends a full copy to a far-behind replica and merges it into what is there', async () => {
    const [a, b] = await containerReplicas(2);
    for (let i = 0; i < 40; i++) put(a!.broker, `o${i}`, ts(i));
    put(b!.broker, 'b-only', ts(1));
    put(b!.broker, 'o7', ts(500), 77); // newer than A's
    const bId = b!.broker.info()!.id;

    const copied = await push(a!, b!);
    expect(copied.outcome).toBe('full-copy');
    expect(copied.rowsSent).toBe(40);
    expect(b!.broker.info()!.id).toBe(bId); // merged into, not replaced
    expect(listing(b!.broker)).toHaveLength(41);
    expect(rows(b!.broker).find((row) => row.name === 'o7')!.size).toBe(77);
    expect(b!.broker.syncPoint('incoming', a!.broker.info()!.id)).toBe(a!.broker.maxRow());
    expect((await push(a!, b!)).outcome).toBe('in-sync');

    await converge(a!, b!);
    expect(rows(a!.broker)).toEqual(rows(b!.broker));
  });

  it('advances sync points and sends only the rows written since, max_diffs batches per pass', async () => {
    const [a, b] = await containerReplicas(2);
    for (let i = 0; i < 8; i++) put(a!.broker, `o${i}`, ts(i));
    expect(await push(a!, b!)).toEqual({ outcome: 'diffs', rowsSent: 8 });
    const [aId, bId] = [a!.broker.info()!.id, b!.broker.info()!.id];
    expect(b!.broker.syncPoint('incoming', aId)).toBe(8);
    expect(a!.broker.syncPoint('outgoing', bId)).toBe(8);

    for (let i = 8; i < 11; i++) put(a!.broker, `o${i}`, ts(i));
    expect(await push(a!, b!)).toEqual({ outcome: 'diffs', rowsSent: 3 });
    expect(b!.broker.syncPoint('incoming', aId)).toBe(11);

    // Two rows per message, one message per pass: each pass goes on where the last stopped.
    for (let i = 11; i < 16; i++) put(a!.broker, `o${i}`, ts(i));
    const small = { perDiff: 2, maxDiffs: 1 };
    expect(await push(a!, b!, small)).toEqual({ outcome: 'capped', rowsSent: 2 });
    expect(await push(a!, b!, small)).toEqual({ outcome: 'capped', rowsSent: 2 });
    expect(await push(a!, b!, small)).toEqual({ outcome: 'diffs', rowsSent: 1 });
    expect(await push(a!, b!, small)).toEqual({ outcome: 'in-sync', rowsSent: 0 });
    expect(listing(b!.broker)).toHaveLength(16);
  });

  it('passes on sync points: rows a replica got through another need not be sent again', async () => {
    const [a, b, c] = await containerReplicas(3);
    for (let i = 0; i < 6; i++) put(c!.broker, `c${i}`, ts(i));
    put(a!.broker, 'a0', ts(1));
    const big = { perDiff: 1000, maxDiffs: 100 };
    expect((await push(c!, a!, big)).outcome).toBe('diffs');
    expect((await push(a!, b!, big)).outcome).toBe('diffs');
    // B has C's rows (through A) and knows it: C has nothing to send.
    expect(b!.broker.syncPoint('incoming', c!.broker.info()!.id)).toBe(c!.broker.maxRow());
    expect(await push(c!, b!, big)).toEqual({ outcome: 'in-sync', rowsSent: 0 });
    expect(listing(b!.broker)).toEqual(['a0', 'c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('replicates databases made before replication existed (no sync tables yet)', async () => {
    const [a, b] = await containerReplicas(2);
    for (const r of [a!, b!]) {
      r.handles.evict(r.path);
      const db = new Database(r.path);
      db.exec(
        'DROP TABLE incoming_sync; DROP TABLE outgoing_sync; DROP INDEX ix_object_tombstones;',
      );
      db.close();
    }
    put(a!.broker, 'o1', ts(1));
    a!.broker.deleteObject('gone', daysAgo(8));
    expect(a!.broker.reclaim(daysAgo(7))).toBe(1);
    expect(await converge(a!, b!)).toBeLessThanOrEqual(3);
    expect(listing(b!.broker)).toEqual(['o1']);
  });

  it('refuses malformed rows without merging any', async () => {
    const [a, b] = await containerReplicas(2);
    put(a!.broker, 'good', ts(1));
    const good = a!.broker.rowsSince(0, 10)[0]!;
    const hash = CONTAINER_DBS.hash(hasher, {
      account: 'AUTH_test',
      container: a!.broker.info()!.container,
    });
    const rpc = new DbReplicationRpc(CONTAINER_DBS, hasher, b!.handles);
    for (const bad of [
      { ...good, ROWID: 2, created_at: 'yesterday' },
      { ...good, ROWID: 0 },
    ]) {
      const refused = await rpc
        .handle(b!.devicePath, PARTITION, hash, {
          op: 'merge_items',
          source: 'x',
          rows: [good, bad],
        })
        .catch((err: unknown) => err);
      expect(statusOf(refused)).toBe(400);
    }
    expect(listing(b!.broker)).toEqual([]);
    expect(b!.broker.syncPoint('incoming', 'x')).toBe(0);
  });
});

describe('account database replication', () => {
  it('converges container rows, counts and deletions', async () => {
    const names = { account: 'AUTH_acct' };
    const a = await replica<AccountBroker>(ACCOUNT_DBS, names, true);
    const b = await replica<AccountBroker>(ACCOUNT_DBS, names, true);
    const report = (put: number, del: number, count: number) => ({
      putTimestamp: ts(put),
      deleteTimestamp: del ? ts(del) : new Timestamp(0),
      objectCount: count,
      bytesUsed: count * 10,
    });
    a.broker.putContainer('c1', report(1, 0, 3));
    a.broker.putContainer('c2', report(2, 0, 4));
    b.broker.putContainer('c2', report(5, 0, 7)); // re-PUT later, newer counts
    b.broker.putContainer('c3', report(3, 0, 1));
    a.broker.putContainer('c3', report(3, 9, 0)); // deleted after its PUT

    expect(await converge(a, b)).toBeLessThanOrEqual(3);
    for (const r of [a, b]) {
      const listed = r.broker
        .listContainers(parseListingParams(new URLSearchParams()))
        .map((row) => ('subdir' in row ? row.subdir : `${row[0]}:${row[1]}`));
      expect(listed).toEqual(['c1:3', 'c2:7']);
      const info = r.broker.info()!;
      expect([info.containerCount, info.objectCount, info.bytesUsed]).toEqual([2, 10, 100]);
    }
    expect(rows(a.broker)).toEqual(rows(b.broker));
  });
});

describe('reclaim and removal', () => {
  it('reclaims tombstone rows and removed metadata older than reclaim_age', async () => {
    const [a] = await containerReplicas(1);
    a!.broker.deleteObject('old', daysAgo(8));
    a!.broker.deleteObject('recent', daysAgo(6));
    put(a!.broker, 'live', daysAgo(30));
    a!.broker.recordPost(
      daysAgo(8),
      {
        'X-Container-Meta-Gone': ['', daysAgo(8).internal],
        'X-Container-Meta-Kept': ['', daysAgo(1).internal],
      },
      false,
    );
    expect(a!.broker.reclaim(daysAgo(7))).toBe(1);
    expect(rows(a!.broker).map((row) => row.name)).toEqual(['live', 'recent']);
    expect(Object.keys(a!.broker.info()!.metadata)).toEqual(['X-Container-Meta-Kept']);
  });

  it('removes a container deleted long ago once the account knows, folders included', async () => {
    const [a] = await containerReplicas(1);
    const cutoff = daysAgo(7);
    a!.broker.recordDelete(daysAgo(8));
    expect(CONTAINER_DBS.reclaimable(a!.broker.info()!, cutoff)).toBe(false); // not reported yet
    a!.broker.markReported(a!.broker.info()!);
    expect(CONTAINER_DBS.reclaimable(a!.broker.info()!, cutoff)).toBe(true);
    const outcome = await removeDatabase(
      CONTAINER_DBS,
      a!.handles,
      a!.devicePath,
      a!.path,
      a!.broker.maxRow(),
    );
    expect(outcome).toBe('removed');
    expect(existsSync(dirname(a!.path))).toBe(false);
    expect(await readdir(join(a!.devicePath, 'containers'))).toEqual([]);
  });

  it('keeps a database that changed after it was replicated', async () => {
    const [a] = await containerReplicas(1);
    put(a!.broker, 'o1', ts(1));
    const replicatedUpTo = a!.broker.maxRow();
    put(a!.broker, 'o2', ts(2)); // written after the push
    const outcome = await removeDatabase(
      CONTAINER_DBS,
      a!.handles,
      a!.devicePath,
      a!.path,
      replicatedUpTo,
    );
    expect(outcome).toBe('changed');
    expect(listing(a!.broker)).toEqual(['o1', 'o2']);
  });

  it('never writes to a database moved away under a cached handle', async () => {
    const [a] = await containerReplicas(1);
    put(a!.broker, 'o1', ts(1));
    const handle = a!.handles.get(a!.path)!;
    await rename(dirname(a!.path), join(a!.devicePath, 'tmp-aside'));
    expect(() => handle.write(() => handle.db.exec('SELECT 1'))).toThrow('Not Found');
    expect(a!.handles.get(a!.path)).toBeUndefined();
    expect(a!.broker.exists()).toBe(false);
  });
});
