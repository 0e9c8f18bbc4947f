/**
 * The object updater: replays async pendings — listing updates an object server (object →
 * container) or a container server (container → account) could not deliver in time
 * (storage-node/async-pending.ts) — until every listing replica has taken them.
 *
 * As Swift's updater (swift/obj/updater.py):
 * - an update goes to every primary of the listing in the *current* ring (the ring may have
 *   changed since it was written, and a listing replica that another object server should
 *   have told may have missed it too), except those recorded as having taken it already;
 *   the nodes that take it are recorded in the file (`successes`), so a retry asks only the
 *   others;
 * - the file is deleted once every primary answered 2xx. Anything else, 404 included (the
 *   container's database is not on that node yet; container replication will bring it), keeps
 *   it for the next pass, however long that takes;
 * - several pendings for the same object: the newest carries everything (listings keep the
 *   newest timestamp), so only it is sent and the older ones are deleted;
 * - a pending that cannot be read is moved to `<device>/quarantined/async_pending/`.
 *
 * Account updates are not replayed as recorded: counts change without a new timestamp, so an
 * old count would overwrite a newer one sent since. When the container's database is on this
 * device, its current stats are sent instead (and marked reported, as the container updater
 * does); only without it are the recorded headers replayed.
 *
 * Settings ([object-updater]): interval (300 s), concurrency (8 pendings in flight),
 * objects_per_second (50).
 */
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.js';
import { hostPort } from '../../common/backend-url.js';
import { describeError } from '../../common/errors.js';
import type { RingDevice } from '../../common/ring/ring-data.js';
import { ASYNC_DIR, type AsyncPending } from '../async-pending.js';
import { ContainerBroker } from '../container/broker.js';
import type { NodeContext } from '../context.js';
import type { PassOptions } from '../daemons/daemon.js';
import { forEachConcurrently, RateLimiter } from '../daemons/pacing.js';
import { passDevices, type PassDevice } from '../daemons/pass-devices.js';
import { databaseExists, databasePath } from '../db/files.js';
import { DatabaseHandles } from '../db/handles.js';
import { QUARANTINE_DIR } from '../object/disk-file.js';
import { sendUpdates, type UpdateTarget } from '../updates.js';
import { reportContainer } from './container-updater.js';

export interface ObjectUpdaterStats {
  startedAt: number;
  durationSeconds: number;
  /** Pendings found (after dropping superseded ones). */
  pendings: number;
  /** Pendings every listing replica took, and deleted. */
  successes: number;
  /** Older pendings deleted because a newer one for the same object supersedes them. */
  unlinks: number;
  /** Unreadable pendings moved aside. */
  quarantines: number;
  /** Pendings kept for the next pass (some replica did not take the update, or an error). */
  failures: number;
}

export interface ObjectUpdaterSettings {
  concurrency: number;
  objectsPerSecond: number;
}

export function objectUpdaterSettings(ctx: NodeContext): ObjectUpdaterSettings {
  const { section, concurrency } = ctx.config.daemons['object-updater'];
  section.rejectUnknown(['interval', 'concurrency', 'objects_per_second']);
  return { concurrency, objectsPerSecond: section.number('objects_per_second', 50, { min: 0 }) };
}

interface PendingFile {
  device: PassDevice;
  path: string;
  /** `<hash>` of `<hash>-<timestamp>` */
  hash: string;
}

/** How a target is named in `successes`. */
function targetKey(target: UpdateTarget): string {
  return `${target.host}/${target.device}`;
}

function targetOf(node: RingDevice): UpdateTarget {
  return { host: hostPort(node.ip, node.port), device: node.device };
}

export class ObjectUpdater {
  lastPass: ObjectUpdaterStats | undefined;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: ObjectUpdaterSettings = objectUpdaterSettings(ctx),
  ) {}

  async runOnce(options: PassOptions = {}): Promise<ObjectUpdaterStats> {
    const started = Date.now();
    const stats: ObjectUpdaterStats = {
      startedAt: started / 1000,
      durationSeconds: 0,
      pendings: 0,
      successes: 0,
      unlinks: 0,
      quarantines: 0,
      failures: 0,
    };
    const work: PendingFile[] = [];
    for (const device of await passDevices(this.ctx, options.devices))
      work.push(...(await this.collect(device, stats)));
    stats.pendings = work.length;
    const limiter = new RateLimiter(this.settings.objectsPerSecond);
    const handles = new DatabaseHandles(8);
    let done = 0;
    try {
      await forEachConcurrently(work, this.settings.concurrency, async (pending) => {
        await limiter.wait();
        try {
          await this.process(pending, handles, stats);
        } catch (err) {
          stats.failures++;
          this.ctx.logger.warn(
            { pending: pending.path, err: describeError(err) },
            'could not replay async pending; kept for the next pass',
          );
        }
        options.onProgress?.(++done, work.length);
      });
    } finally {
      handles.closeAll();
    }
    stats.durationSeconds = (Date.now() - started) / 1000;
    this.lastPass = stats;
    this.ctx.logger.info({ updater: stats }, 'object updater pass done');
    return stats;
  }

  /** The device's pendings, newest first per object; superseded ones are deleted here. */
  private async collect(device: PassDevice, stats: ObjectUpdaterStats): Promise<PendingFile[]> {
    const root = join(device.path, ASYNC_DIR);
    const found: PendingFile[] = [];
    for (const suffix of await readdir(root).catch(() => [] as string[])) {
      const names = (await readdir(join(root, suffix)).catch(() => [] as string[]))
        .filter((name) => !name.startsWith('.'))
        .sort()
        .reverse();
      let lastHash: string | undefined;
      for (const name of names) {
        const path = join(root, suffix, name);
        const hash = name.split('-')[0]!;
        if (hash === lastHash) {
          await rm(path, { force: true });
          stats.unlinks++;
          continue;
        }
        lastHash = hash;
        found.push({ device, path, hash });
      }
    }
    return found;
  }

  private async process(
    pending: PendingFile,
    handles: DatabaseHandles,
    stats: ObjectUpdaterStats,
  ): Promise<void> {
    let update: AsyncPending;
    try {
      update = parsePending(await readFile(pending.path, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // replayed by someone else meanwhile
      const target = join(pending.device.path, QUARANTINE_DIR, ASYNC_DIR, basename(pending.path));
      await mkdir(dirname(target), { recursive: true });
      await rename(pending.path, target);
      stats.quarantines++;
      this.ctx.logger.error(
        { pending: pending.path, quarantinedTo: target, err: describeError(err) },
        'unreadable async pending quarantined; its listing update is lost unless replication brings it',
      );
      return;
    }
    const fromDatabase =
      update.target === 'account'
        ? await this.reportFromDatabase(pending, update, handles)
        : 'no-database';
    if (fromDatabase === 'sent') {
      await rm(pending.path, { force: true });
      stats.successes++;
      return;
    }
    if (fromDatabase === 'failed') {
      stats.failures++;
      this.ctx.logger.warn(
        { pending: pending.path, account: update.account },
        'account servers did not all take the container stats; kept for the next pass',
      );
      return;
    }
    const { partition, nodes } =
      update.target === 'container'
        ? this.ctx.rings.container.getNodes(update.account, update.container)
        : this.ctx.rings.account.getNodes(update.account);
    const successes = new Set(update.successes ?? []);
    const targets = nodes.map(targetOf).filter((t) => !successes.has(targetKey(t)));
    const timeout =
      update.target === 'container'
        ? this.ctx.config.object.nodeTimeout
        : this.ctx.config.container.nodeTimeout;
    const failed = await sendUpdates(this.ctx.http, targets, { ...update, partition }, timeout);
    if (failed.length === 0) {
      // The suffix folder stays: removing it could race with an object server writing there.
      await rm(pending.path, { force: true });
      stats.successes++;
      return;
    }
    stats.failures++;
    const failedKeys = new Set(failed.map(targetKey));
    const taken = targets.map(targetKey).filter((key) => !failedKeys.has(key));
    if (taken.length > 0) {
      await writeFileAtomic(
        pending.path,
        JSON.stringify({ ...update, successes: [...successes, ...taken] }),
      );
    }
    this.ctx.logger.warn(
      { pending: pending.path, target: update.target, failed: [...failedKeys] },
      'listing update still not taken by every replica; kept for the next pass (check those servers)',
    );
  }

  /** For an account update: sends the container's current stats from its database on this device. */
  private async reportFromDatabase(
    pending: PendingFile,
    update: AsyncPending,
    handles: DatabaseHandles,
  ): Promise<'sent' | 'failed' | 'no-database'> {
    const partition = this.ctx.rings.container.getPartition(update.account, update.container);
    const path = databasePath(pending.device.path, 'containers', partition, pending.hash);
    if (!databaseExists(path)) return 'no-database';
    const broker = new ContainerBroker(handles, path);
    const info = broker.info();
    if (!info) return 'no-database';
    return (await reportContainer(this.ctx, broker, info)) ? 'sent' : 'failed';
  }
}

function parsePending(text: string): AsyncPending {
  const update = JSON.parse(text) as AsyncPending;
  const valid =
    (update.target === 'container' || update.target === 'account') &&
    (update.method === 'PUT' || update.method === 'DELETE') &&
    typeof update.account === 'string' &&
    typeof update.container === 'string' &&
    (update.target === 'account' || typeof update.object === 'string') &&
    typeof update.headers === 'object' &&
    update.headers !== null;
  if (!valid) throw new Error('not an async pending');
  return update;
}
