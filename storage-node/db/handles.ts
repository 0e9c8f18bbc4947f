/**
 * Open SQLite handles, kept in a bounded LRU: opening a database and preparing its statements
 * costs more than most queries, and a busy container is asked many times a second. The least
 * recently used handle is closed when the cache is full. better-sqlite3 is synchronous, so a
 * handle is never in use across an `await` and closing one on eviction is always safe.
 */
import Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS, configureConnection, databaseExists } from './files.js';

export class DatabaseHandle {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  /** A prepared statement, prepared once per handle. */
  statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn` in a write transaction (BEGIN IMMEDIATE), committing unless it throws. */
  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
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
      this.handles.set(path, cached);
      return cached;
    }
    if (!databaseExists(path)) return undefined;
    const db = new Database(path, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    configureConnection(db);
    const handle = new DatabaseHandle(db);
    this.handles.set(path, handle);
    while (this.handles.size > this.capacity) {
      const [oldest, evicted] = this.handles.entries().next().value!;
      this.handles.delete(oldest);
      evicted.db.close();
    }
    return handle;
  }

  get size(): number {
    return this.handles.size;
  }

  closeAll(): void {
    for (const handle of this.handles.values()) handle.db.close();
    this.handles.clear();
  }
}
