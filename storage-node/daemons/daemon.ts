/**
 * Background daemons of a storage node (replicators, auditor, updaters, expirer): each does
 * passes over the node's devices. They run inside the storage-node process every `interval`
 * seconds, and one pass can be run on demand from the CLI (storage-node/cli.ts).
 */
import { describeError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.js';
import type { DaemonName, DaemonSettings, StorageNodeConfig } from '../config.js';

export interface PassOptions {
  /** Only these local devices. */
  devices?: string[];
  onProgress?: (done: number, total: number) => void;
}

export interface Daemon {
  name: DaemonName;
  /** One full pass; resolves to figures about it (also kept as `lastPass`). */
  runOnce(options?: PassOptions): Promise<object>;
  /** The figures of the last finished pass, for /recon and the status command. */
  readonly lastPass: object | undefined;
}

/**
 * Runs each daemon whose interval is above 0, first after a random part of the interval (so
 * nodes started together do not work in step), then every interval after the previous pass
 * ended. Returns a function that stops them.
 */
export function startDaemons(
  daemons: readonly Daemon[],
  settings: Record<DaemonName, DaemonSettings>,
  logger: Logger,
): () => void {
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  for (const daemon of daemons) {
    const { interval } = settings[daemon.name];
    if (interval <= 0) continue;
    const schedule = (delaySeconds: number) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        daemon
          .runOnce()
          .catch((err: unknown) =>
            logger.error({ daemon: daemon.name, err: describeError(err) }, 'daemon pass failed'),
          )
          .finally(() => {
            if (!stopped) schedule(interval);
          });
      }, delaySeconds * 1000);
      timer.unref();
      timers.add(timer);
    };
    schedule(Math.random() * interval);
  }
  return () => {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
  };
}

/**
 * Wraps a daemon so every pass (in the storage node or run from the CLI) leaves its figures
 * in `<recon_cache_path>/<daemon>.json`, where /recon and the status command read them.
 */
export function recordPasses(config: StorageNodeConfig, daemon: Daemon): Daemon {
  return {
    name: daemon.name,
    get lastPass() {
      return daemon.lastPass;
    },
    async runOnce(options) {
      const stats = await daemon.runOnce(options);
      await mkdir(config.reconCachePath, { recursive: true });
      await writeFileAtomic(
        join(config.reconCachePath, `${daemon.name}.json`),
        JSON.stringify(stats),
      );
      return stats;
    },
  };
}

/** The figures of a daemon's last pass on this node, from the recon cache. */
export async function lastRecordedPass(
  config: StorageNodeConfig,
  name: DaemonName,
): Promise<object | undefined> {
  try {
    return JSON.parse(
      await readFile(join(config.reconCachePath, `${name}.json`), 'utf8'),
    ) as object;
  } catch {
    return undefined;
  }
}
