/**
 * The expiry queue: which objects on a device must be deleted when, kept beside the objects.
 *
 *   <device>/expiring/<bucket>/<hash>-<delete_at>     JSON {"name", "partition", "delete_at"}
 *
 * where `delete_at` is the object's X-Delete-At (whole seconds) and `bucket` is that time
 * rounded down to the hour, so the expirer lists only the buckets whose hour has begun. The
 * object server writes an entry (atomically) when a PUT or POST sets X-Delete-At — before the
 * object itself is committed, so an object never expires without an entry — and removes the
 * entry of the previous X-Delete-At once a write replaced or removed it, or a DELETE removed
 * the object. An entry left behind by a failed write is harmless: the expirer's conditional
 * DELETE (X-If-Delete-At) is refused with 412 and the entry dropped.
 */
import { mkdir, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.js';
import { QUARANTINE_DIR } from '../object/disk-file.js';

export const EXPIRING_DIR = 'expiring';
export const BUCKET_SECONDS = 3600;

export interface ExpiringEntry {
  /** `/account/container/object` */
  name: string;
  /** The object partition when the entry was written (the expirer asks the ring again). */
  partition: number;
  deleteAt: number;
}

/** A queued entry as found on disk (its contents not yet read). */
export interface QueuedEntry {
  path: string;
  hash: string;
  deleteAt: number;
}

export function bucketOf(deleteAt: number): number {
  return deleteAt - (deleteAt % BUCKET_SECONDS);
}

export function entryPath(devicePath: string, hash: string, deleteAt: number): string {
  return join(devicePath, EXPIRING_DIR, String(bucketOf(deleteAt)), `${hash}-${deleteAt}`);
}

/** X-Delete-At as stored in metadata → whole seconds; undefined when absent or malformed. */
export function parseDeleteAt(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Records that the object must go at `deleteAt` (idempotent). */
export async function queueExpiry(
  devicePath: string,
  hash: string,
  entry: ExpiringEntry,
): Promise<void> {
  const path = entryPath(devicePath, hash, entry.deleteAt);
  const json = JSON.stringify({
    name: entry.name,
    partition: entry.partition,
    delete_at: entry.deleteAt,
  });
  // The expirer removes bucket folders it has emptied; one may vanish between mkdir and write.
  for (let attempt = 1; ; attempt++) {
    await mkdir(join(path, '..'), { recursive: true });
    try {
      await writeFileAtomic(path, json);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
    }
  }
}

/**
 * Removes the entry for (hash, deleteAt) if there is one. Never throws: it runs after a write
 * has been committed, and a stale entry only costs the expirer one refused DELETE.
 */
export async function unqueueExpiry(
  devicePath: string,
  hash: string,
  deleteAt: number,
): Promise<void> {
  await rm(entryPath(devicePath, hash, deleteAt), { force: true }).catch(() => undefined);
}

/** The entry's contents; undefined when it is gone (processed by another path meanwhile). */
export async function readEntry(path: string): Promise<ExpiringEntry | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: { name?: unknown; partition?: unknown; delete_at?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new MalformedEntryError(`expiry entry ${path} is not JSON`);
  }
  const name = typeof parsed.name === 'string' ? parsed.name : '';
  if (!/^\/[^/]+\/[^/]+\/./.test(name) || typeof parsed.delete_at !== 'number') {
    throw new MalformedEntryError(`expiry entry ${path} does not name an object and a time`);
  }
  return { name, partition: Number(parsed.partition ?? 0), deleteAt: parsed.delete_at };
}

/** An entry that can never be processed (damaged on disk). */
export class MalformedEntryError extends Error {
  override name = 'MalformedEntryError';
}

/** Moves a damaged entry to `<device>/quarantined/expiring/` (it would fail every pass). */
export async function quarantineEntry(devicePath: string, path: string): Promise<string> {
  const target = join(devicePath, QUARANTINE_DIR, EXPIRING_DIR, basename(path));
  await mkdir(dirname(target), { recursive: true });
  await rename(path, target);
  return target;
}

/**
 * Entries due at `now` (delete_at <= now), oldest bucket first, read lazily. Emptied buckets
 * of past hours are removed on the way.
 */
export async function* dueEntries(devicePath: string, now: number): AsyncGenerator<QueuedEntry> {
  const root = join(devicePath, EXPIRING_DIR);
  const buckets = (await readdir(root).catch(() => [] as string[]))
    .filter((name) => /^\d+$/.test(name) && Number(name) <= now)
    .sort((a, b) => Number(a) - Number(b));
  for (const bucket of buckets) {
    const dir = join(root, bucket);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const match = /^([0-9a-f]+)-(\d+)$/.exec(name);
      if (!match || Number(match[2]) > now) continue;
      yield { path: join(dir, name), hash: match[1]!, deleteAt: Number(match[2]) };
    }
    if (Number(bucket) + BUCKET_SECONDS <= now) await rmdir(dir).catch(() => undefined); // only when empty
  }
}
