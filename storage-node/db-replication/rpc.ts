/**
 * The receiving side of database replication (see protocol.ts): what a container or account
 * server does with a replicator's `REPORT /<device>/<partition>/<hash>`.
 *
 * Full copies are built in `<device>/tmp/dbcopy-<token>.db` over several requests and then
 * linked into place, as new databases always are (db/files.ts): the database appears whole
 * or not at all, and a database that appeared meanwhile is merged into rather than replaced.
 * A copy whose sender gave up is removed after an hour.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir } from '../../common/atomic-file.js';
import { StratusError } from '../../common/errors.js';
import type { PathHasher } from '../../common/hash.js';
import { Timestamp } from '../../common/timestamp.js';
import { databasePath } from '../db/files.js';
import { DatabaseHandles } from '../db/handles.js';
import type { DbKind, ReplicatedBroker } from './kinds.js';
import { mergeDatabaseInto, mergeStamp, stampOf } from './merge.js';
import {
  parseMessage,
  type CopyBeginMessage,
  type CopyCompleteMessage,
  type CopyCompleteReply,
  type SyncMessage,
  type SyncReply,
} from './protocol.js';

export interface RpcReply {
  status: number;
  /** Sent as JSON. */
  body?: unknown;
}

/** Copies untouched for this long are abandoned (their sender failed or gave up). */
const STALE_COPY_MS = 3600_000;
const COPY_PREFIX = 'dbcopy-';

export class DbReplicationRpc {
  /** Handles of copies being built, kept open between their batches. */
  private readonly copies = new DatabaseHandles(16);

  /**
   * `handles`: the server's own handles, so its cache and the merges here share connections.
   * `batch`: rows per transaction when merging a copy into an existing database.
   */
  constructor(
    private readonly kind: DbKind,
    private readonly hasher: PathHasher,
    private readonly handles: DatabaseHandles,
    private readonly batch = 1000,
  ) {}

  /** Answers one message about the database `hash` in `partition` on the device at `devicePath`. */
  async handle(
    devicePath: string,
    partition: number,
    hash: string,
    body: unknown,
  ): Promise<RpcReply> {
    const message = parseMessage(body);
    const dbPath = databasePath(devicePath, this.kind.dir, partition, hash);
    switch (message.op) {
      case 'sync':
        return this.sync(this.kind.open(this.handles, dbPath), message);
      case 'merge_items': {
        const broker = this.existing(dbPath);
        if (!broker) return { status: 404 };
        return { status: 200, body: { merged: broker.mergeRows(message.rows, message.source) } };
      }
      case 'merge_syncs': {
        const broker = this.existing(dbPath);
        if (!broker) return { status: 404 };
        const ownId = broker.info()!.id;
        broker.mergeSyncPoints(
          'incoming',
          message.syncs.filter((point) => point.remoteId !== ownId),
        );
        return { status: 204 };
      }
      case 'copy_begin':
        return this.copyBegin(devicePath, hash, message);
      case 'copy_rows': {
        const copy = this.copy(devicePath, message.token);
        if (!copy) return { status: 404 };
        return { status: 200, body: { merged: copy.mergeRows(message.rows) } };
      }
      case 'copy_complete':
        return this.copyComplete(devicePath, dbPath, message);
    }
  }

  private existing(dbPath: string): ReplicatedBroker | undefined {
    const broker = this.kind.open(this.handles, dbPath);
    return broker.exists() ? broker : undefined;
  }

  /** Swift's `sync`: take the sender's timestamps and metadata, say what we have. */
  private sync(broker: ReplicatedBroker, message: SyncMessage): RpcReply {
    if (!broker.exists()) return { status: 404 };
    mergeStamp(broker, message);
    const info = broker.info()!;
    const reply: SyncReply = {
      id: info.id,
      maxRow: broker.maxRow(),
      point: broker.syncPoint('incoming', message.id),
      ...stampOf(info),
    };
    return { status: 200, body: reply };
  }

  private copyPath(devicePath: string, token: string): string {
    return join(devicePath, 'tmp', `${COPY_PREFIX}${token}.db`);
  }

  private copy(devicePath: string, token: string): ReplicatedBroker | undefined {
    const path = this.copyPath(devicePath, token);
    return existsSync(path) ? this.kind.open(this.copies, path) : undefined;
  }

  private async copyBegin(
    devicePath: string,
    hash: string,
    message: CopyBeginMessage,
  ): Promise<RpcReply> {
    if (this.kind.hash(this.hasher, message.names) !== hash) {
      throw new StratusError('BAD_REQUEST', 'Invalid replication message: names do not match');
    }
    await this.removeStaleCopies(devicePath);
    const token = randomBytes(16).toString('hex');
    const path = this.copyPath(devicePath, token);
    await this.kind.create(devicePath, path, message.names, Timestamp.parse(message.putTimestamp));
    // The copy has its own random id (Swift's newid): it is a replica of its own from now on.
    mergeStamp(this.kind.open(this.copies, path), message);
    return { status: 200, body: { token } };
  }

  private async copyComplete(
    devicePath: string,
    dbPath: string,
    message: CopyCompleteMessage,
  ): Promise<RpcReply> {
    const copyPath = this.copyPath(devicePath, message.token);
    const copy = this.copy(devicePath, message.token);
    if (!copy) return { status: 404 };
    const syncs = [...message.syncs, { remoteId: message.source, syncPoint: message.point }];
    // Read before linking: once linked, the file must only be opened by its real name (a
    // second name would give it a second WAL).
    const copyId = copy.info()!.id;
    try {
      if (await this.linkIntoPlace(copy, copyPath, dbPath, syncs)) {
        const reply: CopyCompleteReply = { id: copyId, created: true };
        return { status: 200, body: reply };
      }
      // A replica is there already (it appeared meanwhile, or the sender found it far
      // behind): merge the copy into it.
      const target = this.kind.open(this.handles, dbPath);
      await mergeDatabaseInto(copy, target, this.batch);
      const ownId = target.info()!.id;
      target.mergeSyncPoints(
        'incoming',
        syncs.filter((point) => point.remoteId !== ownId),
      );
      const reply: CopyCompleteReply = { id: ownId, created: false };
      return { status: 200, body: reply };
    } finally {
      this.copies.evict(copyPath);
      await removeCopyFiles(copyPath);
    }
  }

  /**
   * Links a finished copy in as the database, unless one is there; true when it did. The
   * copy is closed first (which folds its WAL into the file) and fsynced, so what appears at
   * `dbPath` is one complete file.
   */
  private async linkIntoPlace(
    copy: ReplicatedBroker,
    copyPath: string,
    dbPath: string,
    syncs: { remoteId: string; syncPoint: number }[],
  ): Promise<boolean> {
    if (existsSync(dbPath)) return false;
    copy.mergeSyncPoints('incoming', syncs);
    this.copies.evict(copyPath);
    const file = await open(copyPath, 'r+');
    try {
      await file.sync();
    } finally {
      await file.close();
    }
    await mkdir(dirname(dbPath), { recursive: true });
    try {
      await link(copyPath, dbPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    await fsyncDir(dirname(dbPath));
    return true;
  }

  private async removeStaleCopies(devicePath: string): Promise<void> {
    const tmp = join(devicePath, 'tmp');
    const now = Date.now();
    for (const name of await readdir(tmp).catch(() => [] as string[])) {
      if (!name.startsWith(COPY_PREFIX) || !name.endsWith('.db')) continue;
      const path = join(tmp, name);
      const info = await stat(path).catch(() => undefined);
      if (!info || now - info.mtimeMs < STALE_COPY_MS) continue;
      this.copies.evict(path);
      await removeCopyFiles(path);
    }
  }
}

async function removeCopyFiles(path: string): Promise<void> {
  await Promise.all(['', '-wal', '-shm'].map((suffix) => rm(path + suffix, { force: true })));
}
