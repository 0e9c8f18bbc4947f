/**
 * The object expirer: deletes objects whose X-Delete-At has passed, from disk and from
 * listings. Reads already answer 404 from that moment; the expirer makes it so on disk.
 *
 * Each device keeps a queue of expirations (queue.ts) written by its object server. For every
 * entry whose time has come, the expirer sends
 *
 *   DELETE /<dev>/<part>/<a>/<c>/<o>   X-Timestamp: <delete_at>   X-If-Delete-At: <delete_at>
 *
 * to every primary of the object's partition in the current object ring, each with the
 * X-Container-Host/-Device/-Partition of the container replica(s) it must tell, shared out as
 * the proxy does, so the listings drop the object. Because the timestamp is the expiry time
 * itself, every node's expirer (each replica has its own entry) produces the identical
 * tombstone, as Swift's expirer does, and a repeated DELETE is a harmless 409. The object
 * server that deletes the object also removes its own queue entry, so usually one expirer
 * does the work for all replicas and the others find their entries gone.
 *
 * Per primary: 2xx or 404 (an expired object answers 404 but is deleted all the same) means
 * deleted; 409 means it holds something newer (or this tombstone already); 412 means the
 * object changed since (a new PUT or POST moved or removed X-Delete-At) or is not there —
 * nothing to do. Any other answer or no answer keeps the entry for the next pass, until it is
 * older than reclaim_age (tombstones are forgotten then anyway), when it is dropped with an
 * error in the log.
 *
 * Settings ([object-expirer]): interval (300 s), concurrency (1), tasks_per_second (50).
 */
import { request } from 'undici';
import { backendPath, hostPort } from '../../common/backend-url.js';
import { describeError } from '../../common/errors.js';
import { generateTransId } from '../../common/logger.js';
import type { RingDevice } from '../../common/ring/ring-data.js';
import { Timestamp } from '../../common/timestamp.js';
import type { NodeContext } from '../context.js';
import type { PassOptions } from '../daemons/daemon.js';
import { forEachConcurrently, RateLimiter } from '../daemons/pacing.js';
import { passDevices, type PassDevice } from '../daemons/pass-devices.js';
import {
  dueEntries,
  MalformedEntryError,
  quarantineEntry,
  readEntry,
  unqueueExpiry,
  type QueuedEntry,
} from './queue.js';

export interface ExpirerStats {
  startedAt: number;
  durationSeconds: number;
  /** Entries whose time had come. */
  due: number;
  /** Objects deleted (at least one replica was removed by this pass). */
  expired: number;
  /** Entries dropped because the object had changed, was gone or was already deleted. */
  stale: number;
  /** Entries given up after reclaim_age with replicas still unreached. */
  abandoned: number;
  /** Entries kept for the next pass because a primary could not be reached. */
  failures: number;
}

export interface ExpirerSettings {
  concurrency: number;
  tasksPerSecond: number;
}

export function expirerSettings(ctx: NodeContext): ExpirerSettings {
  const { section, concurrency } = ctx.config.daemons['object-expirer'];
  section.rejectUnknown(['interval', 'concurrency', 'tasks_per_second']);
  return { concurrency, tasksPerSecond: section.number('tasks_per_second', 50, { min: 0 }) };
}

type ReplicaOutcome = 'deleted' | 'newer' | 'changed' | 'failed';

export class ObjectExpirer {
  lastPass: ExpirerStats | undefined;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: ExpirerSettings = expirerSettings(ctx),
  ) {}

  async runOnce(options: PassOptions = {}): Promise<ExpirerStats> {
    const started = Date.now();
    const stats: ExpirerStats = {
      startedAt: started / 1000,
      durationSeconds: 0,
      due: 0,
      expired: 0,
      stale: 0,
      abandoned: 0,
      failures: 0,
    };
    const now = Math.floor(started / 1000);
    // Collected first (entries are small) so progress has a total.
    const work: { device: PassDevice; entry: QueuedEntry }[] = [];
    for (const device of await passDevices(this.ctx, options.devices)) {
      for await (const entry of dueEntries(device.path, now)) work.push({ device, entry });
    }
    stats.due = work.length;
    const limiter = new RateLimiter(this.settings.tasksPerSecond);
    let done = 0;
    await forEachConcurrently(work, this.settings.concurrency, async ({ device, entry }) => {
      await limiter.wait();
      try {
        await this.expire(device, entry, now, stats);
      } catch (err) {
        stats.failures++;
        this.ctx.logger.warn(
          { device: device.device, entry: entry.path, err: describeError(err) },
          'could not process expiry entry; it is kept for the next pass',
        );
      }
      options.onProgress?.(++done, work.length);
    });
    stats.durationSeconds = (Date.now() - started) / 1000;
    this.lastPass = stats;
    this.ctx.logger.info({ expirer: stats }, 'expirer pass done');
    return stats;
  }

  private async expire(
    device: PassDevice,
    queued: QueuedEntry,
    now: number,
    stats: ExpirerStats,
  ): Promise<void> {
    let entry;
    try {
      entry = await readEntry(queued.path);
    } catch (err) {
      if (!(err instanceof MalformedEntryError)) throw err;
      const target = await quarantineEntry(device.path, queued.path);
      stats.failures++;
      this.ctx.logger.error(
        { entry: queued.path, quarantinedTo: target, err: err.message },
        'damaged expiry entry quarantined; if its object still exists, delete it by hand',
      );
      return;
    }
    if (!entry) return; // an object server removed it meanwhile: already handled
    const [account, container, object] = splitName(entry.name);
    const objectRing = this.ctx.rings.object;
    const { partition, nodes } = objectRing.getNodes(account, container, object);
    const listing = this.ctx.rings.container.getNodes(account, container);
    const timestamp = Timestamp.fromSeconds(queued.deleteAt).internal;
    const outcomes = await Promise.all(
      nodes.map((node, replica) =>
        this.deleteReplica(node, backendPath(node.device, partition, account, container, object), {
          'X-Timestamp': timestamp,
          'X-If-Delete-At': String(queued.deleteAt),
          'X-Trans-Id': generateTransId('-expirer'),
          'User-Agent': 'stratus-object-expirer',
          ...containerUpdateHeaders(listing.partition, listing.nodes, replica, nodes.length),
        }),
      ),
    );
    if (outcomes.includes('failed')) {
      if (queued.deleteAt >= now - this.ctx.config.reclaimAge) {
        stats.failures++;
        this.ctx.logger.warn(
          { object: entry.name, deleteAt: queued.deleteAt, outcomes },
          'expired object not deleted on every primary; retried next pass (check the failing nodes)',
        );
        return;
      }
      stats.abandoned++;
      this.ctx.logger.error(
        { object: entry.name, deleteAt: queued.deleteAt, outcomes },
        'giving up an expiry older than reclaim_age with primaries still unreached; delete the object by hand if it is still there',
      );
    } else if (outcomes.includes('deleted')) {
      stats.expired++;
    } else {
      stats.stale++;
    }
    await unqueueExpiry(device.path, queued.hash, queued.deleteAt);
  }

  private async deleteReplica(
    node: RingDevice,
    path: string,
    headers: Record<string, string>,
  ): Promise<ReplicaOutcome> {
    try {
      const response = await request(`http://${hostPort(node.ip, node.port)}${path}`, {
        method: 'DELETE',
        headers,
        dispatcher: this.ctx.http,
        signal: AbortSignal.timeout(this.ctx.config.object.nodeTimeout * 1000),
      });
      await response.body.dump();
      const status = response.statusCode;
      if ((status >= 200 && status < 300) || status === 404) return 'deleted';
      if (status === 409) return 'newer';
      if (status === 412) return 'changed';
      return 'failed';
    } catch {
      return 'failed';
    }
  }
}

/** `/account/container/object` → its parts (the object keeps its slashes; readEntry checked the form). */
function splitName(name: string): [string, string, string] {
  const [, account = '', container = '', ...rest] = name.split('/');
  return [account, container, rest.join('/')];
}

/**
 * The container replica(s) object primary `replica` tells, shared out as the proxy does
 * (proxy/controllers/update-targets.ts): replica i tells listing replica i mod L, and extra
 * listing replicas are spread over the data replicas.
 */
export function containerUpdateHeaders(
  partition: number,
  listing: readonly RingDevice[],
  replica: number,
  replicas: number,
): Record<string, string> {
  const assigned = listing.filter(
    (_, i) => i % Math.max(1, replicas) === replica % Math.max(1, replicas),
  );
  if (assigned.length === 0 && listing.length > 0)
    assigned.push(listing[replica % listing.length]!);
  if (assigned.length === 0) return {};
  return {
    'X-Container-Host': assigned.map((n) => hostPort(n.ip, n.port)).join(','),
    'X-Container-Device': assigned.map((n) => n.device).join(','),
    'X-Container-Partition': String(partition),
  };
}
