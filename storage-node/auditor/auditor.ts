/**
 * The auditor (Swift's object, container and account auditors in one daemon): walks every
 * object on the node's devices and re-reads it — metadata readable and consistent, data size
 * equal to Content-Length, MD5 equal to the ETag — at most `files_per_second` objects and
 * `bytes_per_second` bytes per device, and quarantines what fails (object-audit.ts). Then it
 * checks every container and account database with SQLite's quick_check, at most
 * `databases_per_second` per device, and quarantines damaged ones (database-audit.ts).
 * Quarantined items are restored by the replicators from the other replicas; until then the
 * proxy reads those replicas.
 *
 * Settings ([object-auditor]): interval (30 s), concurrency (devices audited at once, 1),
 * files_per_second (20), bytes_per_second (10 000 000), databases_per_second (200); 0 turns
 * a rate limit off.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../../common/errors.js';
import type { NodeContext } from '../context.js';
import type { PassOptions } from '../daemons/daemon.js';
import { forEachConcurrently, RateLimiter } from '../daemons/pacing.js';
import { passDevices, type PassDevice } from '../daemons/pass-devices.js';
import { databaseExists, type DatabaseKind } from '../db/files.js';
import { OBJECTS_DIR } from '../object/disk-file.js';
import { checkDatabase, quarantineDatabase } from './database-audit.js';
import { auditObject } from './object-audit.js';

export interface AuditStats {
  startedAt: number;
  durationSeconds: number;
  /** Objects (hash folders) checked. */
  files: number;
  /** Data bytes read to check MD5s. */
  bytes: number;
  /** Objects quarantined. */
  quarantined: number;
  databases: number;
  databasesQuarantined: number;
  /** Items that could not be checked (I/O errors, unreadable folders). */
  errors: number;
  /** The same count under the name every daemon's figures share (the CLI exits 1 on it). */
  failures: number;
}

export interface AuditorSettings {
  concurrency: number;
  filesPerSecond: number;
  bytesPerSecond: number;
  databasesPerSecond: number;
}

const PARTITION = /^\d+$/;
const SUFFIX = /^[0-9a-f]{3}$/;

export function auditorSettings(ctx: NodeContext): AuditorSettings {
  const { section, concurrency } = ctx.config.daemons['object-auditor'];
  section.rejectUnknown([
    'interval',
    'concurrency',
    'files_per_second',
    'bytes_per_second',
    'databases_per_second',
  ]);
  return {
    concurrency,
    filesPerSecond: section.number('files_per_second', 20, { min: 0 }),
    bytesPerSecond: section.number('bytes_per_second', 10_000_000, { min: 0 }),
    databasesPerSecond: section.number('databases_per_second', 200, { min: 0 }),
  };
}

interface DeviceWork extends PassDevice {
  objectPartitions: string[];
  databasePartitions: { kind: DatabaseKind; partition: string }[];
}

export class Auditor {
  lastPass: AuditStats | undefined;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: AuditorSettings = auditorSettings(ctx),
  ) {}

  async runOnce(options: PassOptions = {}): Promise<AuditStats> {
    const started = Date.now();
    const stats: AuditStats = {
      startedAt: started / 1000,
      durationSeconds: 0,
      files: 0,
      bytes: 0,
      quarantined: 0,
      databases: 0,
      databasesQuarantined: 0,
      errors: 0,
      failures: 0,
    };
    const work: DeviceWork[] = [];
    for (const device of await passDevices(this.ctx, options.devices)) {
      const databasePartitions: DeviceWork['databasePartitions'] = [];
      for (const kind of ['containers', 'accounts'] as const) {
        for (const partition of await this.list(join(device.path, kind), stats)) {
          if (PARTITION.test(partition)) databasePartitions.push({ kind, partition });
        }
      }
      const objectPartitions = (await this.list(join(device.path, OBJECTS_DIR), stats)).filter(
        (p) => PARTITION.test(p),
      );
      work.push({ ...device, objectPartitions, databasePartitions });
    }
    const total = work.reduce(
      (sum, w) => sum + w.objectPartitions.length + w.databasePartitions.length,
      0,
    );
    let done = 0;
    const partitionDone = () => options.onProgress?.(++done, total);
    await forEachConcurrently(work, this.settings.concurrency, (device) =>
      this.auditDevice(device, stats, partitionDone),
    );
    stats.failures = stats.errors;
    stats.durationSeconds = (Date.now() - started) / 1000;
    this.lastPass = stats;
    this.ctx.logger.info({ audit: stats }, 'audit pass done');
    return stats;
  }

  private async auditDevice(
    device: DeviceWork,
    stats: AuditStats,
    partitionDone: () => void,
  ): Promise<void> {
    // Rates are per device, as Swift's are per auditor worker.
    const files = new RateLimiter(this.settings.filesPerSecond);
    const bytes = new RateLimiter(this.settings.bytesPerSecond);
    const databases = new RateLimiter(this.settings.databasesPerSecond);
    for (const partition of device.objectPartitions) {
      const partitionDir = join(device.path, OBJECTS_DIR, partition);
      for (const suffix of (await this.list(partitionDir, stats)).filter((s) => SUFFIX.test(s))) {
        for (const hash of await this.list(join(partitionDir, suffix), stats)) {
          await files.wait();
          await this.auditOne(device, Number(partition), hash, bytes, stats);
        }
      }
      partitionDone();
    }
    for (const { kind, partition } of device.databasePartitions) {
      const partitionDir = join(device.path, kind, partition);
      for (const suffix of (await this.list(partitionDir, stats)).filter((s) => SUFFIX.test(s))) {
        for (const hash of await this.list(join(partitionDir, suffix), stats)) {
          await databases.wait();
          await this.auditDatabase(
            device,
            kind,
            join(partitionDir, suffix, hash, `${hash}.db`),
            stats,
          );
        }
      }
      partitionDone();
    }
  }

  private async auditOne(
    device: PassDevice,
    partition: number,
    hash: string,
    bytes: RateLimiter,
    stats: AuditStats,
  ): Promise<void> {
    try {
      const result = await auditObject(
        this.ctx.hasher,
        { devicePath: device.path, partition, hash },
        bytes,
      );
      stats.bytes += result.bytes;
      if (result.kind === 'skipped') return;
      stats.files++;
      if (result.kind === 'quarantined') {
        stats.quarantined++;
        this.ctx.logger.error(
          {
            device: device.device,
            partition,
            hash,
            reason: result.reason,
            quarantinedTo: result.target,
          },
          'object failed audit and was quarantined; the object replicator will restore it from another replica',
        );
      }
    } catch (err) {
      stats.errors++;
      this.ctx.logger.warn(
        { device: device.device, partition, hash, err: describeError(err) },
        'could not audit object; if this repeats, check the disk (kernel log, SMART)',
      );
    }
  }

  private async auditDatabase(
    device: PassDevice,
    kind: DatabaseKind,
    path: string,
    stats: AuditStats,
  ): Promise<void> {
    if (!databaseExists(path)) return; // a folder without its database: nothing to check
    try {
      const problem = checkDatabase(path, kind);
      stats.databases++;
      if (problem === undefined) return;
      const target = await quarantineDatabase(device.path, kind, path);
      stats.databasesQuarantined++;
      this.ctx.logger.error(
        { device: device.device, path, reason: problem, quarantinedTo: target },
        'database failed audit and was quarantined; the database replicator will restore it from another replica',
      );
    } catch (err) {
      if (!databaseExists(path)) return; // removed meanwhile (e.g. replication moved it)
      stats.errors++;
      this.ctx.logger.warn(
        { device: device.device, path, err: describeError(err) },
        'could not audit database; if this repeats, check the disk',
      );
    }
  }

  /** Folder entries; an unreadable folder counts as an error (a missing one does not). */
  private async list(dir: string, stats: AuditStats): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      stats.errors++;
      this.ctx.logger.warn({ dir, err: describeError(err) }, 'cannot list folder; check the disk');
      return [];
    }
  }
}
