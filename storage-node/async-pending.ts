/**
 * Async pendings: listing updates (object → container, container → account) that could not
 * be delivered in time. Each is a small JSON file written atomically under
 * `<device>/async_pending/<suffix>/<hash>-<timestamp>`; the updater replays them until they
 * succeed, so a listing always catches up with what was acknowledged.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';

export interface AsyncPending {
  /** Which listing the update is for. */
  target: 'container' | 'account';
  method: 'PUT' | 'DELETE';
  account: string;
  container: string;
  object?: string;
  /** The headers of the update request (X-Timestamp, X-Size, X-Put-Timestamp, …). */
  headers: Record<string, string>;
  /** The partition and the nodes that did not take the update (the updater may also ask the ring). */
  partition: number;
  nodes: { host: string; device: string }[];
  /** `host/device` of the listing replicas that took it since (the updater's record, as Swift's). */
  successes?: string[];
}

export const ASYNC_DIR = 'async_pending';

export async function writeAsyncPending(
  devicePath: string,
  hash: string,
  timestamp: string,
  update: AsyncPending,
): Promise<string> {
  const dir = join(devicePath, ASYNC_DIR, hash.slice(-3));
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${hash}-${timestamp}`);
  await writeFileAtomic(path, JSON.stringify(update));
  return path;
}

/** Every async pending on a device (the updater's work list; tests use it too). */
export async function listAsyncPendings(
  devicePath: string,
): Promise<{ path: string; update: AsyncPending }[]> {
  const root = join(devicePath, ASYNC_DIR);
  const suffixes = await readdir(root).catch(() => [] as string[]);
  const found: { path: string; update: AsyncPending }[] = [];
  for (const suffix of suffixes) {
    for (const name of await readdir(join(root, suffix)).catch(() => [] as string[])) {
      if (name.startsWith('.')) continue;
      const path = join(root, suffix, name);
      found.push({ path, update: JSON.parse(await readFile(path, 'utf8')) as AsyncPending });
    }
  }
  return found;
}
