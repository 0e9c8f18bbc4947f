/**
 * The container updater: makes account listings catch up with their containers. Every
 * container database remembers what the account servers last acknowledged (its `reported_*`
 * columns); when its timestamps or counts differ from that, the updater sends the account
 * servers named by the account ring
 *
 *   PUT /<adev>/<apart>/<a>/<c>   X-Put-Timestamp, X-Delete-Timestamp, X-Object-Count,
 *                                 X-Bytes-Used, X-Account-Override-Deleted: yes
 *
 * and marks the values reported once every one of them took it (Swift is content with a
 * majority and leaves the rest to account replication; asking all of them costs one more
 * request per pass while an account server is down, and heals it as soon as it is back).
 * The container server does the same shortly after each change (container/stats-report.ts);
 * this daemon covers what that missed: an account server down, a node restarted meanwhile.
 *
 * After a failure, other containers of the same account are skipped for
 * `account_suppression_time` seconds, as in Swift, so a dead account server is not asked once
 * per container. Settings ([container-updater]): interval (300 s), concurrency (4),
 * containers_per_second (50), account_suppression_time (60 s).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hostPort } from '../../common/backend-url.js';
import { describeError } from '../../common/errors.js';
import { generateTransId } from '../../common/logger.js';
import { ContainerBroker, type ContainerInfo } from '../container/broker.js';
import type { NodeContext } from '../context.js';
import type { PassOptions } from '../daemons/daemon.js';
import { forEachConcurrently, RateLimiter } from '../daemons/pacing.js';
import { passDevices } from '../daemons/pass-devices.js';
import { databaseExists } from '../db/files.js';
import { DatabaseHandles } from '../db/handles.js';
import { sendUpdates } from '../updates.js';

export interface ContainerUpdaterStats {
  startedAt: number;
  durationSeconds: number;
  /** Container databases looked at. */
  containers: number;
  /** Containers whose stats were sent and acknowledged by every account server. */
  reported: number;
  /** Containers skipped because their account failed a moment ago. */
  suppressed: number;
  /** Containers whose report some account server did not take (sent again next pass). */
  failures: number;
}

export interface ContainerUpdaterSettings {
  concurrency: number;
  containersPerSecond: number;
  accountSuppressionSeconds: number;
}

export function containerUpdaterSettings(ctx: NodeContext): ContainerUpdaterSettings {
  const { section, concurrency } = ctx.config.daemons['container-updater'];
  section.rejectUnknown([
    'interval',
    'concurrency',
    'containers_per_second',
    'account_suppression_time',
  ]);
  return {
    concurrency,
    containersPerSecond: section.number('containers_per_second', 50, { min: 0 }),
    accountSuppressionSeconds: section.number('account_suppression_time', 60, { min: 0 }),
  };
}

/** True when the account servers have not acknowledged the container's current state. */
export function needsReport(info: ContainerInfo): boolean {
  const { reported } = info;
  return (
    reported.putTimestamp !== info.putTimestamp.internal ||
    reported.deleteTimestamp !== info.deleteTimestamp.internal ||
    reported.objectCount !== info.objectCount ||
    reported.bytesUsed !== info.bytesUsed
  );
}

/**
 * Sends the container's current stats to every account primary; marks them reported when all
 * took them. Resolves to whether they all did.
 */
export async function reportContainer(
  ctx: NodeContext,
  broker: ContainerBroker,
  info: ContainerInfo,
): Promise<boolean> {
  const { partition, nodes } = ctx.rings.account.getNodes(info.account);
  const failed = await sendUpdates(
    ctx.http,
    nodes.map((node) => ({ host: hostPort(node.ip, node.port), device: node.device })),
    {
      method: 'PUT',
      partition,
      account: info.account,
      container: info.container,
      headers: {
        'X-Put-Timestamp': info.putTimestamp.internal,
        'X-Delete-Timestamp': info.deleteTimestamp.internal,
        'X-Object-Count': String(info.objectCount),
        'X-Bytes-Used': String(info.bytesUsed),
        // As Swift's updater: the row is recorded even in an account marked deleted, so the
        // reaper sees every container that still holds objects.
        'X-Account-Override-Deleted': 'yes',
        'X-Trans-Id': generateTransId('-container-updater'),
        'User-Agent': 'stratus-container-updater',
      },
    },
    ctx.config.container.nodeTimeout,
  );
  if (failed.length > 0) return false;
  broker.markReported(info);
  return true;
}

const PARTITION = /^\d+$/;
const SUFFIX = /^[0-9a-f]{3}$/;

export class ContainerUpdater {
  lastPass: ContainerUpdaterStats | undefined;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: ContainerUpdaterSettings = containerUpdaterSettings(ctx),
  ) {}

  async runOnce(options: PassOptions = {}): Promise<ContainerUpdaterStats> {
    const started = Date.now();
    const stats: ContainerUpdaterStats = {
      startedAt: started / 1000,
      durationSeconds: 0,
      containers: 0,
      reported: 0,
      suppressed: 0,
      failures: 0,
    };
    const partitionDirs: string[] = [];
    for (const device of await passDevices(this.ctx, options.devices)) {
      const root = join(device.path, 'containers');
      for (const partition of await readdir(root).catch(() => [] as string[])) {
        if (PARTITION.test(partition)) partitionDirs.push(join(root, partition));
      }
    }
    // Handles of this pass only (the container server keeps its own); closed at the end.
    const handles = new DatabaseHandles(Math.max(8, this.settings.concurrency * 2));
    const limiter = new RateLimiter(this.settings.containersPerSecond);
    const suppressedUntil = new Map<string, number>();
    let done = 0;
    // One stream of databases over all partitions, so `concurrency` applies across them;
    // progress counts partitions whose databases have all been started.
    async function* allDatabases(): AsyncGenerator<string> {
      for (const partitionDir of partitionDirs) {
        yield* databasesIn(partitionDir);
        options.onProgress?.(++done, partitionDirs.length);
      }
    }
    try {
      await forEachConcurrently(allDatabases(), this.settings.concurrency, async (path) => {
        await limiter.wait();
        await this.updateOne(new ContainerBroker(handles, path), suppressedUntil, stats);
      });
    } finally {
      handles.closeAll();
    }
    stats.durationSeconds = (Date.now() - started) / 1000;
    this.lastPass = stats;
    this.ctx.logger.info({ containerUpdater: stats }, 'container updater pass done');
    return stats;
  }

  private async updateOne(
    broker: ContainerBroker,
    suppressedUntil: Map<string, number>,
    stats: ContainerUpdaterStats,
  ): Promise<void> {
    let info: ContainerInfo | undefined;
    try {
      info = broker.info();
    } catch (err) {
      // Damaged databases are the auditor's business; count it so the operator notices.
      stats.failures++;
      this.ctx.logger.warn(
        { path: broker.path, err: describeError(err) },
        'cannot read container database; the auditor checks and quarantines damaged ones',
      );
      return;
    }
    if (!info) return;
    stats.containers++;
    if (!needsReport(info)) return;
    if ((suppressedUntil.get(info.account) ?? 0) > Date.now()) {
      stats.suppressed++;
      return;
    }
    if (await reportContainer(this.ctx, broker, info)) {
      stats.reported++;
      return;
    }
    stats.failures++;
    suppressedUntil.set(info.account, Date.now() + this.settings.accountSuppressionSeconds * 1000);
    this.ctx.logger.warn(
      { account: info.account, container: info.container },
      'account servers did not all take the container stats; sent again next pass (check the account servers)',
    );
  }
}

/** Database files under a partition folder, read lazily. */
async function* databasesIn(partitionDir: string): AsyncGenerator<string> {
  for (const suffix of await readdir(partitionDir).catch(() => [] as string[])) {
    if (!SUFFIX.test(suffix)) continue;
    for (const hash of await readdir(join(partitionDir, suffix)).catch(() => [] as string[])) {
      const path = join(partitionDir, suffix, hash, `${hash}.db`);
      if (databaseExists(path)) yield path;
    }
  }
}
