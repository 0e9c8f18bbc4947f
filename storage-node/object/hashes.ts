/**
 * Suffix hashes: how replicas find out, cheaply, which parts of a partition differ.
 *
 * Each partition keeps `hashes.json`, the xxh64 of every suffix folder's contents (the names of
 * its hash folders and of the files in them, after obsolete files are cleaned up). Every write
 * appends its suffix to `hashes.invalid`; the next read recomputes just those suffixes. Two
 * replicas whose suffix hashes match hold the same files there, so a partition in sync costs
 * one REPLICATE request and no listing of its objects.
 */
import { readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileAtomic } from '../../common/atomic-file.js';
import { plainHash64 } from '../../common/hash.js';
import { cleanupHashDir } from './disk-file.js';
import { INVALID_FILE } from './invalidation.js';

export const HASHES_FILE = 'hashes.json';

export type SuffixHashes = Record<string, string>;

const SUFFIX = /^[0-9a-f]{3}$/;
const locks = new Map<string, Promise<unknown>>();

/** Runs `work` with the partition to itself (within this process, which owns the device). */
async function withPartitionLock<T>(partitionDir: string, work: () => Promise<T>): Promise<T> {
  const previous = locks.get(partitionDir) ?? Promise.resolve();
  const run = previous.then(work, work);
  locks.set(
    partitionDir,
    run.catch(() => undefined),
  );
  try {
    return await run;
  } finally {
    if (locks.get(partitionDir) === run) locks.delete(partitionDir);
  }
}

/**
 * The partition's suffix hashes, recomputing invalidated suffixes, suffixes in `recalculate`,
 * and suffix folders not yet hashed; tombstones older than `reclaimAgeSeconds` are removed on
 * the way. Empty suffix folders disappear from disk and from the result.
 */
export async function suffixHashes(
  partitionDir: string,
  reclaimAgeSeconds: number,
  recalculate: readonly string[] = [],
): Promise<SuffixHashes> {
  return withPartitionLock(partitionDir, async () => {
    const stored = await readStored(partitionDir);
    const stale = new Set([
      ...(await takeInvalidated(partitionDir)),
      ...recalculate.filter((s) => SUFFIX.test(s)),
    ]);
    const onDisk = (await readdir(partitionDir).catch(() => [] as string[])).filter((name) =>
      SUFFIX.test(name),
    );
    const hashes: SuffixHashes = {};
    for (const suffix of onDisk) {
      const known = stored[suffix];
      if (known !== undefined && !stale.has(suffix)) {
        hashes[suffix] = known;
        continue;
      }
      const hash = await hashSuffix(join(partitionDir, suffix), reclaimAgeSeconds);
      if (hash !== undefined) hashes[suffix] = hash;
    }
    await writeFileAtomic(join(partitionDir, HASHES_FILE), JSON.stringify(hashes)).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err; // the partition folder itself went away
      },
    );
    return hashes;
  });
}

async function readStored(partitionDir: string): Promise<SuffixHashes> {
  try {
    const parsed = JSON.parse(await readFile(join(partitionDir, HASHES_FILE), 'utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as SuffixHashes) : {};
  } catch {
    return {}; // missing or damaged: everything is recomputed
  }
}

/** Reads and clears the invalidation list (moving it aside first, so no append is lost). */
async function takeInvalidated(partitionDir: string): Promise<string[]> {
  const taken = join(partitionDir, `${INVALID_FILE}.${randomBytes(4).toString('hex')}`);
  try {
    await rename(join(partitionDir, INVALID_FILE), taken);
  } catch {
    return [];
  }
  const text = await readFile(taken, 'utf8').catch(() => '');
  await rm(taken, { force: true });
  return text.split('\n').filter(Boolean);
}

/** xxh64 over `<hash dir>/<file>` lines in sorted order; undefined when the suffix is empty. */
async function hashSuffix(
  suffixDir: string,
  reclaimAgeSeconds: number,
): Promise<string | undefined> {
  const lines: string[] = [];
  for (const hashDir of (await readdir(suffixDir).catch(() => [] as string[])).sort()) {
    const kept = await cleanupHashDir(join(suffixDir, hashDir), reclaimAgeSeconds);
    for (const file of kept.map((f) => f.name).sort()) lines.push(`${hashDir}/${file}`);
  }
  if (lines.length === 0) {
    await rmdir(suffixDir).catch(() => undefined);
    return undefined;
  }
  return plainHash64(lines.join('\n'));
}
