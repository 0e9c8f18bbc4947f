/**
 * Where container and account databases live, and how one comes into being:
 *
 *   <device>/containers/<partition>/<suffix>/<hash>/<hash>.db
 *   <device>/accounts/<partition>/<suffix>/<hash>/<hash>.db
 *
 * (`hash` names the account or account/container, `suffix` is its last three digits.) A new
 * database is built and closed in `<device>/tmp`, fsynced, then hard-linked into place: a crash
 * leaves at most a stray temp file, never a half-initialised database where servers look, and
 * of two requests racing to create the same database exactly one wins (the link refuses to
 * replace an existing file).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { fsyncDir } from '../../common/atomic-file.js';

export type DatabaseKind = 'containers' | 'accounts';

/** How long (ms) a statement waits for another process's write lock before failing (SQLITE_BUSY). */
export const BUSY_TIMEOUT_MS = 5_000;

export function databasePath(
  devicePath: string,
  kind: DatabaseKind,
  partition: number,
  hash: string,
): string {
  return join(devicePath, kind, String(partition), hash.slice(-3), hash, `${hash}.db`);
}

export function databaseExists(path: string): boolean {
  return existsSync(path);
}

/** The per-connection settings every handle gets (journal_mode = WAL is stored in the file). */
export function configureConnection(db: Database.Database): void {
  db.pragma('synchronous = NORMAL');
  db.pragma('temp_store = MEMORY');
}

/**
 * Creates the database at `path` by running `initialise` (inside one transaction) on a fresh
 * file in `<device>/tmp` and linking it into place. Resolves to false when the database
 * already existed, in which case nothing was changed.
 */
export async function createDatabase(
  devicePath: string,
  path: string,
  initialise: (db: Database.Database) => void,
): Promise<boolean> {
  if (databaseExists(path)) return false;
  const tmpDir = join(devicePath, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const tmpPath = join(tmpDir, `${randomBytes(8).toString('hex')}.db`);
  try {
    const db = new Database(tmpPath, { timeout: BUSY_TIMEOUT_MS });
    try {
      db.pragma('journal_mode = WAL');
      configureConnection(db);
      db.transaction(() => initialise(db)).immediate();
    } finally {
      // Closing checkpoints the WAL into the file and removes it: one self-contained file.
      db.close();
    }
    const handle = await open(tmpPath, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await mkdir(dirname(path), { recursive: true });
    try {
      await link(tmpPath, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    await fsyncDir(dirname(path));
    return true;
  } finally {
    await rm(tmpPath, { force: true });
  }
}
