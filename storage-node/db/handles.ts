/**
 * Open SQLite handles, kept in a bounded LRU: opening a database and preparing its statements
 * costs more than most queries, and a busy container is asked many times a second. The least
 * recently used handle is closed when the cache is full. better-sqlite3 is synchronous, so a
 * handle is never in use across an `await` and closing one on eviction is always safe.
 *
 * Replicators remove databases (handoffs once pushed home, deleted ones after reclaim_age) by
 * moving their folder away, possibly from another process. A handle remembers which file
 * (device and inode) it opened: a cached handle whose path no longer names that file is
 * dropped, and a write through it is refused inside its transaction, so nothing is written to
 * a database that has been taken away (the caller gets 404, as if it had arrived a moment
 * later). SQLite itself never checkpoints or deletes the WAL of a moved file on close.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StratusError } from '../../common/errors.js';
import { BUSY_TIMEOUT_MS, configureConnection, databaseExists } from './files.js';

interface FileIdentity {
  dev: number;
  ino: number;
}

function fileIdentity(path: string): FileIdentity | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? { dev: stat.dev, ino: stat.ino } : undefined;
}

export class DatabaseHandle {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly identity: FileIdentity | undefined;

  /** `path`: the file `db` was opened from, to notice when it is moved away (omit for none). */
  constructor(
    readonly db: Database.Database,
    readonly path?: string,
  ) {
    this.identity = path === undefined ? undefined : fileIdentity(path);
  }

  /** False once `path` no longer names the file this handle has open (moved or removed). */
  isCurrent(): boolean {
    if (this.path === undefined || this.identity === undefined) return true;
    const now = fileIdentity(this.path);
    return now !== undefined && now.dev === this.identity.dev && now.ino === this.identity.ino;
  }

  /** A prepared statement, prepared once per handle. */
  statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Runs `fn` in a write transaction (BEGIN IMMEDIATE), committing unless it throws. The file
   * is checked once the write lock is held: whoever moves a database away takes that lock
   * after the move, so no write can commit to a moved database unseen.
   */
  write<T>(fn: () => T): T {
    return this.db
      .transaction(() => {
        if (!this.isCurrent()) throw new StratusError('NOT_FOUND', 'Not Found');
        return fn();
      })
      .immediate();
  }
}

export class DatabaseHandles {
  private readonly handles = new Map<string, DatabaseHandle>();

  constructor(readonly capacity = 256) {}

  /** The handle for the database file at `path`, or undefined when there is no such file. */
  get(path: string): DatabaseHandle | undefined {
    const cached = this.handles.get(path);
    if (cached) {
      this.handles.delete(path);
      if (cached.isCurrent()) {
        this.handles.set(path, cached);
        return cached;
      }
      cached.db.close(); // moved away (replication removed or replaced it)
    }
    if (!databaseExists(path)) return undefined;
    const db = new Database(path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    configureConnection(db);
    const handle = new DatabaseHandle(db, path);
    this.handles.set(path, handle);
    while (this.handles.size > this.capacity) {
      const [oldest, evicted] = this.handles.entries().next().value!;
      this.handles.delete(oldest);
      evicted.db.close();
    }
    return handle;
  }

  /** Closes the handle of `path`, if open (before the file is moved, or to release it). */
  evict(path: string): void {
    const handle = this.handles.get(path);
    if (!handle) return;
    this.handles.delete(path);
    handle.db.close();
  }

  get size(): number {
    return this.handles.size;
  }

  closeAll(): void {
    for (const handle of this.handles.values()) handle.db.close();
    this.handles.clear();
  }
}
