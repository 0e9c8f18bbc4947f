/**
 * The container and account replicators (Swift's db_replicator): every replica of a
 * container or account database converges on the union of all their rows, newest wins.
 *
 * A pass walks `<device>/<containers|accounts>/<partition>/<suffix>/<hash>/<hash>.db` on this
 * node's devices in the ring and, for each database (`concurrency` at a time, at most
 * `databases_per_second`):
 *
 * 1. reclaims tombstone rows and removed metadata keys older than reclaim_age;
 * 2. removes the database if it was deleted more than reclaim_age ago (and is empty, and for
 *    containers the account was told): by then every replica has learned the deletion;
 * 3. pushes it to each other primary of its partition (sync.ts); a primary whose drive is not
 *    mounted (507) is replaced by the next handoff, as in Swift;
 * 4. on a handoff device (or in the wrong partition), removes it once every primary has it
 *    and it did not change meanwhile (remove.ts).
 *
 * Failures (a peer down, a timeout) are counted and logged; the next pass retries them.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../../common/errors.js';
import type { RingDevice } from '../../common/ring/ring-data.js';
import { Timestamp } from '../../common/timestamp.js';
import type { DaemonName } from '../config.js';
import type { NodeContext } from '../context.js';
import type { PassOptions } from '../daemons/daemon.js';
import { forEachConcurrently, RateLimiter } from '../daemons/pacing.js';
import { DatabaseHandles } from '../db/handles.js';
import { isSameDevice, localRingDevices } from '../local-devices.js';
import { describeNode, httpPeer } from './client.js';
import type { DbKind, ReplicatedBroker } from './kinds.js';
import { removeDatabase } from './remove.js';
import { pushDatabase, type PushOutcome } from './sync.js';

export interface DbReplicationStats {
  startedAt: number;
  durationSeconds: number;
  /** Databases looked at. */
  dbs: number;
  /** Peer syncs that found the peer up to date (one request each). */
  noChange: number;
  /** Peer syncs that sent rows since the peer's sync point. */
  diffs: number;
  /** Of those, how many stopped at max_diffs batches with rows left for the next pass. */
  diffCapped: number;
  rowsSent: number;
  /** Whole databases sent: to a peer without one, or merged into a far-behind one. */
  fullCopies: number;
  handoffsRemoved: number;
  /** Databases deleted more than reclaim_age ago, removed. */
  deletedRemoved: number;
  /** Tombstone rows older than reclaim_age, removed. */
  rowsReclaimed: number;
  failures: number;
}

export interface DbReplicatorSettings {
  concurrency: number;
  /** Databases started per second, all workers together (0: no limit). */
  databasesPerSecond: number;
  perDiff: number;
  maxDiffs: number;
  /** Seconds: tombstones and deleted databases older than this are reclaimed. */
  reclaimAge: number;
  /** Seconds to wait for a peer's answer to one message. */
  nodeTimeout: number;
}

/** The `[container-replicator]` or `[account-replicator]` settings, with Swift's defaults. */
export function dbReplicatorSettings(ctx: NodeContext, daemon: DaemonName): DbReplicatorSettings {
  const { section, concurrency } = ctx.config.daemons[daemon];
  section.rejectUnknown([
    'interval',
    'concurrency',
    'databases_per_second',
    'per_diff',
    'max_diffs',
    'reclaim_age',
    'node_timeout',
  ]);
  return {
    concurrency,
    databasesPerSecond: section.number('databases_per_second', 50, { min: 0 }),
    perDiff: section.int('per_diff', 1000, { min: 1 }),
    maxDiffs: section.int('max_diffs', 100, { min: 1 }),
    reclaimAge: section.int('reclaim_age', ctx.config.reclaimAge, { min: 1 }),
    nodeTimeout: section.number('node_timeout', 10, { min: 0.001 }),
  };
}

interface Job {
  device: RingDevice;
  devicePath: string;
  partition: number;
  hash: string;
  path: string;
}

export class DbReplicator {
  lastPass: DbReplicationStats | undefined;
  /** The replicator's own handles; closed after each pass so an idle daemon holds no files. */
  private readonly handles = new DatabaseHandles(64);

  constructor(
    private readonly ctx: NodeContext,
    private readonly kind: DbKind,
    private readonly settings: DbReplicatorSettings,
  ) {}

  async runOnce(options: PassOptions = {}): Promise<DbReplicationStats> {
    const started = Date.now();
    const stats: DbReplicationStats = {
      startedAt: started / 1000,
      durationSeconds: 0,
      dbs: 0,
      noChange: 0,
      diffs: 0,
      diffCapped: 0,
      rowsSent: 0,
      fullCopies: 0,
      handoffsRemoved: 0,
      deletedRemoved: 0,
      rowsReclaimed: 0,
      failures: 0,
    };
    const jobs = await this.collectJobs(options.devices);
    const limiter = new RateLimiter(this.settings.databasesPerSecond);
    let done = 0;
    try {
      await forEachConcurrently(jobs, this.settings.concurrency, async (job) => {
        await limiter.wait();
        try {
          await this.replicateDatabase(job, stats);
        } catch (err) {
          stats.failures++;
          this.ctx.logger.warn(
            { db: job.path, err: describeError(err) },
            `${this.kind.name} database replication failed; retried next pass (a damaged database needs the auditor or an operator)`,
          );
        }
        stats.dbs++;
        options.onProgress?.(++done, jobs.length);
      });
    } finally {
      this.handles.closeAll();
    }
    stats.durationSeconds = (Date.now() - started) / 1000;
    this.lastPass = stats;
    this.ctx.logger.info({ replication: stats }, `${this.kind.name} replication pass done`);
    return stats;
  }

  private async collectJobs(only?: string[]): Promise<Job[]> {
    const { config, rings } = this.ctx;
    const ring = this.kind.ring(rings);
    const jobs: Job[] = [];
    for (const device of localRingDevices(ring, config.bindIp, this.kind.port(config))) {
      if (only && !only.includes(device.device)) continue;
      let devicePath: string;
      try {
        devicePath = this.ctx.devices.path(device.device);
      } catch {
        continue; // not mounted: nothing to push from it
      }
      const root = join(devicePath, this.kind.dir);
      for (const partition of await listDir(root)) {
        if (!/^\d+$/.test(partition)) continue;
        for (const suffix of await listDir(join(root, partition))) {
          for (const hash of await listDir(join(root, partition, suffix))) {
            jobs.push({
              device,
              devicePath,
              partition: Number(partition),
              hash,
              path: join(root, partition, suffix, hash, `${hash}.db`),
            });
          }
        }
      }
    }
    return jobs;
  }

  private async replicateDatabase(job: Job, stats: DbReplicationStats): Promise<void> {
    const broker = this.kind.open(this.handles, job.path);
    if (!broker.exists()) return; // an empty folder, or removed meanwhile
    const cutoff = Timestamp.fromSeconds(Date.now() / 1000 - this.settings.reclaimAge);
    stats.rowsReclaimed += broker.reclaim(cutoff);
    const info = broker.info()!;
    if (this.kind.reclaimable(info, cutoff)) {
      const outcome = await removeDatabase(
        this.kind,
        this.handles,
        job.devicePath,
        job.path,
        broker.maxRow(),
        this.settings.perDiff,
      );
      if (outcome === 'removed') stats.deletedRemoved++;
      return;
    }
    const names = { account: info.account, container: info.container };
    if (this.kind.hash(this.ctx.hasher, names) !== job.hash) {
      throw new Error(
        `the database names ${JSON.stringify(names)}, whose hash is not its folder's: is swift_hash_path_suffix the one it was written with?`,
      );
    }
    const ring = this.kind.ring(this.ctx.rings);
    const partition = ring.getPartition(info.account, info.container);
    const primaries = ring.getPartNodes(partition);
    const belongsHere =
      partition === job.partition && primaries.some((node) => isSameDevice(node, job.device));
    const snapshot = broker.maxRow();
    const targets: RingDevice[] = primaries.filter((node) => !isSameDevice(node, job.device));
    let handoffs: Iterator<RingDevice> | undefined;
    let everyPrimaryHasIt = true;
    for (let i = 0; i < targets.length; i++) {
      const node = targets[i]!;
      const outcome = await this.pushTo(broker, node, partition, job.hash, stats);
      if (outcome !== 'in-sync' && outcome !== 'diffs' && outcome !== 'full-copy') {
        everyPrimaryHasIt = false;
      }
      if (outcome === 'unmounted') {
        handoffs ??= ring.getMoreNodes(partition);
        const handoff = nextHandoff(handoffs, job.device, targets);
        if (handoff) targets.push(handoff);
      }
    }
    if (!belongsHere && everyPrimaryHasIt) {
      const outcome = await removeDatabase(
        this.kind,
        this.handles,
        job.devicePath,
        job.path,
        snapshot,
        this.settings.perDiff,
      );
      if (outcome === 'removed') stats.handoffsRemoved++;
      else if (outcome === 'changed') {
        this.ctx.logger.info(
          { db: job.path },
          `${this.kind.name} handoff database changed during replication; kept for the next pass`,
        );
      }
    }
  }

  /** One peer; failures are counted and logged here. undefined when it failed. */
  private async pushTo(
    broker: ReplicatedBroker,
    node: RingDevice,
    partition: number,
    hash: string,
    stats: DbReplicationStats,
  ): Promise<PushOutcome | undefined> {
    const peer = httpPeer(this.ctx.http, node, partition, hash, this.settings.nodeTimeout);
    try {
      const outcome = await pushDatabase(broker, peer, this.settings, stats);
      if (outcome === 'in-sync') stats.noChange++;
      else if (outcome === 'diffs') stats.diffs++;
      else if (outcome === 'capped') {
        stats.diffs++;
        stats.diffCapped++;
      } else if (outcome === 'full-copy') stats.fullCopies++;
      else {
        stats.failures++;
        this.ctx.logger.warn(
          { peer: describeNode(node), partition, db: hash },
          `${this.kind.name} replica's drive is not mounted (507); trying a handoff — mount the drive or remove it from the ring`,
        );
      }
      return outcome;
    } catch (err) {
      stats.failures++;
      this.ctx.logger.warn(
        { peer: describeNode(node), partition, db: hash, err: describeError(err) },
        `${this.kind.name} replication to a peer failed; retried next pass (check that the node is up)`,
      );
      return undefined;
    }
  }
}

/** The next handoff that is neither this device nor one already tried. */
function nextHandoff(
  handoffs: Iterator<RingDevice>,
  local: RingDevice,
  tried: readonly RingDevice[],
): RingDevice | undefined {
  for (let next = handoffs.next(); !next.done; next = handoffs.next()) {
    const node = next.value;
    if (!isSameDevice(node, local) && !tried.some((t) => isSameDevice(t, node))) return node;
  }
  return undefined;
}

async function listDir(path: string): Promise<string[]> {
  return readdir(path).catch(() => [] as string[]);
}
