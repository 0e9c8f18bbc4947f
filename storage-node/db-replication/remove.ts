/**
 * Removing a database from this device: a handoff once every primary has it, or a deleted
 * database once reclaim_age has passed (Swift's delete_db).
 *
 * Servers (in this process or another) may have the file open and may be writing to it, so
 * the database folder is first renamed into `<device>/tmp` in one step. Then the write lock
 * of the moved file is taken: that waits out any write begun before the move, and every
 * later write through an old handle sees that its file has moved (DatabaseHandle.write) and
 * answers 404 instead — the object server keeps such an update for its updater, which sends
 * it to the primaries. If the highest ROWID is no longer the one replicated, the database
 * changed meanwhile and goes back (or, if a new one has appeared in its place, is merged
 * into it), to be pushed again on the next pass.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS } from '../db/files.js';
import { DatabaseHandles } from '../db/handles.js';
import type { DbKind } from './kinds.js';
import { mergeDatabaseInto } from './merge.js';

/** `removed`; `changed` (kept, it was written to meanwhile); `gone` (someone removed it first). */
export type RemoveOutcome = 'removed' | 'changed' | 'gone';

export async function removeDatabase(
  kind: DbKind,
  handles: DatabaseHandles,
  devicePath: string,
  dbPath: string,
  expectedMaxRow: number,
  batch = 1000,
): Promise<RemoveOutcome> {
  handles.evict(dbPath);
  const hashDir = dirname(dbPath);
  const tmpDir = join(devicePath, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const aside = join(tmpDir, `dbremove-${basename(hashDir)}-${randomBytes(4).toString('hex')}`);
  try {
    await rename(hashDir, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  const asidePath = join(aside, basename(dbPath));
  if (highestRowIdLocked(asidePath) !== expectedMaxRow) {
    await putBack(kind, handles, aside, asidePath, hashDir, dbPath, batch);
    return 'changed';
  }
  await rm(aside, { recursive: true, force: true });
  // Empty suffix and partition folders go too (a handoff device ends up clean).
  const suffixDir = dirname(hashDir);
  for (const dir of [suffixDir, dirname(suffixDir)]) {
    if (
      !(await rmdir(dir).then(
        () => true,
        () => false,
      ))
    )
      break;
  }
  return 'removed';
}

/** The highest ROWID given out, read while holding the write lock (see above). */
function highestRowIdLocked(path: string): number {
  const db = new Database(path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    db.prepare('BEGIN IMMEDIATE').run();
    try {
      const row = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM sqlite_sequence').get() as {
        seq: number;
      };
      return row.seq;
    } finally {
      db.prepare('ROLLBACK').run();
    }
  } finally {
    db.close();
  }
}

async function putBack(
  kind: DbKind,
  handles: DatabaseHandles,
  aside: string,
  asidePath: string,
  hashDir: string,
  dbPath: string,
  batch: number,
): Promise<void> {
  try {
    await mkdir(dirname(hashDir), { recursive: true });
    await rename(aside, hashDir);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  // A new database was made in its place meanwhile: keep both by merging.
  const asideHandles = new DatabaseHandles(1);
  try {
    await mergeDatabaseInto(kind.open(asideHandles, asidePath), kind.open(handles, dbPath), batch);
  } finally {
    asideHandles.closeAll();
  }
  await rm(aside, { recursive: true, force: true });
}
