/**
 * DiskFile: one object's files on one device, in Swift's layout
 *
 *   <device>/objects/<partition>/<suffix>/<hash>/<timestamp>.data   the body, metadata in an xattr
 *                                                 <timestamp>.ts     a tombstone (deleted)
 *                                                 <timestamp>.meta   metadata from a later POST
 *
 * where hash = hashPath(account, container, object) and suffix = its last 3 hex digits. The
 * newest .data or .ts wins; a .meta newer than a winning .data overrides its user metadata.
 * Every write goes to `<device>/tmp`, is fsynced, renamed into the hash folder and the folder
 * fsynced, then files made obsolete by it are removed. A file whose metadata cannot be read or
 * does not match the data is quarantined: its hash folder moves to `<device>/quarantined/objects/`.
 *
 * Only data and fsyncs go through libuv's thread pool; folder listings, opens, renames and
 * attributes answer from memory and are made synchronously, as Swift does, since each trip to
 * the pool (a wake-up there and another back) cost more CPU than the call (bench/README.md).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
} from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir, fsyncFd, writevFd } from '../../common/atomic-file.js';
import { StratusError } from '../../common/errors.js';
import { invalidateSuffix } from './invalidation.js';
import { dropPageCache } from './page-cache.js';
import { Timestamp } from '../../common/timestamp.js';
import {
  MetadataError,
  readMetadata,
  removeWithSidecar,
  SIDECAR_SUFFIX,
  writeMetadata,
  type ObjectMetadata,
} from './metadata.js';

export const OBJECTS_DIR = 'objects';
export const TMP_DIR = 'tmp';
export const QUARANTINE_DIR = 'quarantined';

export type FileKind = 'data' | 'ts' | 'meta';

export interface OnDiskFile {
  name: string;
  kind: FileKind;
  timestamp: Timestamp;
}

/** What is on disk for an object right now. */
export type ObjectState =
  | { kind: 'missing' }
  | { kind: 'deleted'; timestamp: Timestamp; metadata: ObjectMetadata }
  | {
      kind: 'data';
      /** The .data file's timestamp (the PUT). */
      timestamp: Timestamp;
      /** The newest of the .data and .meta timestamps. */
      lastChange: Timestamp;
      /** The .data metadata with a newer .meta overlaid. */
      metadata: ObjectMetadata;
      dataPath: string;
    };

/** Keys a POST (.meta) replaces; everything else stays as the PUT wrote it. */
export function isPostableKey(key: string): boolean {
  const lower = key.toLowerCase();
  return lower.startsWith('x-object-meta-') || POSTABLE_HEADERS.has(lower);
}

export const POSTABLE_HEADERS = new Set([
  'content-type',
  'content-disposition',
  'content-encoding',
  'content-language',
  'cache-control',
  'expires',
  'x-delete-at',
  'x-object-manifest',
  'x-robots-tag',
]);

/** Headers an object keeps from its PUT; X-Static-Large-Object survives later POSTs, as in Swift. */
export const STORED_HEADERS = new Set([...POSTABLE_HEADERS, 'x-static-large-object']);

export class DiskFile {
  readonly hashDir: string;

  constructor(
    readonly devicePath: string,
    readonly partition: number,
    readonly hash: string,
    /** `/account/container/object`, stored in metadata to detect hash collisions. */
    readonly name: string,
  ) {
    this.hashDir = join(devicePath, OBJECTS_DIR, String(partition), hash.slice(-3), hash);
  }

  /** Reads the current state; quarantines and reports `missing` when the files are damaged. */
  async read(): Promise<ObjectState> {
    const files = await this.listFiles();
    const winner = files.find((f) => f.kind === 'data' || f.kind === 'ts');
    if (!winner) return { kind: 'missing' };
    try {
      const metadata = readMetadata(join(this.hashDir, winner.name));
      if (winner.kind === 'ts') return { kind: 'deleted', timestamp: winner.timestamp, metadata };
      const meta = files.find(
        (f) => f.kind === 'meta' && f.timestamp.isNewerThan(winner.timestamp),
      );
      let merged = metadata;
      if (meta) {
        const overlay = readMetadata(join(this.hashDir, meta.name));
        merged = Object.fromEntries(
          Object.entries(metadata).filter(([key]) => !isPostableKey(key) || key === 'Content-Type'),
        );
        Object.assign(merged, overlay);
      }
      return {
        kind: 'data',
        timestamp: winner.timestamp,
        lastChange: meta?.timestamp ?? winner.timestamp,
        metadata: merged,
        dataPath: join(this.hashDir, winner.name),
      };
    } catch (err) {
      if (err instanceof MetadataError) {
        await this.quarantine();
        return { kind: 'missing' };
      }
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.read(); // replaced meanwhile
      throw err;
    }
  }

  /**
   * Starts a PUT: a temp file in `<device>/tmp` that becomes `<timestamp>.data` on commit. A
   * body larger than `keepCacheBytes` leaves the page cache once fsynced (page-cache.ts).
   */
  async createWriter(options: { keepCacheBytes?: number } = {}): Promise<DiskFileWriter> {
    const tmpDir = join(this.devicePath, TMP_DIR);
    const tmpPath = join(tmpDir, `${this.hash}.${randomBytes(8).toString('hex')}.tmp`);
    let fd: number;
    try {
      fd = await noSpaceIs507(() => Promise.resolve(openSync(tmpPath, 'wx', 0o644)));
    } catch (err) {
      // The tmp folder exists but on a new device: create it then, not before every write.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(tmpDir, { recursive: true });
      fd = openSync(tmpPath, 'wx', 0o644);
    }
    return new DiskFileWriter(this, tmpPath, fd, options.keepCacheBytes ?? Infinity);
  }

  /** Writes a tombstone (`<timestamp>.ts`) carrying its metadata. */
  async writeTombstone(timestamp: Timestamp, metadata: ObjectMetadata): Promise<void> {
    await this.writeEmpty(`${timestamp.internal}.ts`, metadata);
  }

  /** Writes a POST's metadata (`<timestamp>.meta`). */
  async writeMeta(timestamp: Timestamp, metadata: ObjectMetadata): Promise<void> {
    await this.writeEmpty(`${timestamp.internal}.meta`, metadata);
  }

  /** Moves the whole hash folder to `<device>/quarantined/objects/<hash>[-n]`. */
  async quarantine(): Promise<string | undefined> {
    const target = join(
      this.devicePath,
      QUARANTINE_DIR,
      OBJECTS_DIR,
      `${this.hash}-${randomBytes(4).toString('hex')}`,
    );
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(this.hashDir, target);
      invalidateSuffix(this.partitionDir, this.hash.slice(-3));
      return target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Files in the hash folder, newest first; names that are not ours are ignored. */
  listFiles(): Promise<OnDiskFile[]> {
    return listObjectFiles(this.hashDir);
  }

  /** Removes files made obsolete by the newest .data/.ts (see cleanupHashDir). */
  async cleanup(): Promise<void> {
    await cleanupHashDir(this.hashDir);
  }

  /** The partition folder and suffix this object's files live under (for hash invalidation). */
  get partitionDir(): string {
    return join(this.devicePath, OBJECTS_DIR, String(this.partition));
  }

  /** Creates the hash folder (fsyncing each new folder's parent) if needed. */
  async ensureHashDir(): Promise<void> {
    const created = mkdirSync(this.hashDir, { recursive: true });
    if (created === undefined) return;
    for (let dir = this.hashDir; dir.length >= created.length; dir = dirname(dir))
      await fsyncDir(dirname(dir));
  }

  private async writeEmpty(fileName: string, metadata: ObjectMetadata): Promise<void> {
    const writer = await this.createWriter();
    await writer.commit(fileName, metadata);
  }
}

/** Files in a hash folder, newest first; names that are not ours are ignored. */
export async function listObjectFiles(hashDir: string): Promise<OnDiskFile[]> {
  return objectFiles(await readNames(hashDir));
}

/** Every name in a hash folder; none when the folder is missing. */
function readNames(hashDir: string): Promise<string[]> {
  try {
    return Promise.resolve(readdirSync(hashDir));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return Promise.resolve([]);
    throw err;
  }
}

/** The .data/.ts/.meta files among a hash folder's names, newest first. */
function objectFiles(names: readonly string[]): OnDiskFile[] {
  const files: OnDiskFile[] = [];
  for (const name of names) {
    const match = /^(.+)\.(data|ts|meta)$/.exec(name);
    if (!match) continue;
    const timestamp = parseOrUndefined(match[1]!);
    if (timestamp) files.push({ name, kind: match[2] as FileKind, timestamp });
  }
  return files.sort((a, b) => b.timestamp.compare(a.timestamp));
}

/**
 * Removes what the newest .data/.ts makes obsolete: older .data/.ts files, .meta files not
 * newer than the winner or not the newest, and sidecars whose file is gone. A tombstone older
 * than `reclaimAgeSeconds` is removed too (by then every replica has seen it). An empty hash
 * folder is removed. Returns the files kept, newest first.
 */
export async function cleanupHashDir(
  hashDir: string,
  reclaimAgeSeconds?: number,
): Promise<OnDiskFile[]> {
  // One listing serves both passes, and the folder is only removed when nothing was kept:
  // a PUT runs this every time.
  const names = await readNames(hashDir);
  const present = new Set(names);
  const files = objectFiles(names);
  const winner = files.find((f) => f.kind === 'data' || f.kind === 'ts');
  const newestMeta =
    winner?.kind === 'data'
      ? files.find((f) => f.kind === 'meta' && f.timestamp.isNewerThan(winner.timestamp))
      : undefined;
  const reclaim =
    winner?.kind === 'ts' &&
    reclaimAgeSeconds !== undefined &&
    winner.timestamp.seconds < Date.now() / 1000 - reclaimAgeSeconds;
  const kept: OnDiskFile[] = [];
  for (const file of files) {
    if ((file === winner && !reclaim) || file === newestMeta) {
      kept.push(file);
      continue;
    }
    // Removing a big file frees its blocks, which can take a while: in the pool, not the loop.
    await rm(join(hashDir, file.name), { force: true });
    if (present.has(file.name + SIDECAR_SUFFIX))
      await rm(join(hashDir, file.name + SIDECAR_SUFFIX), { force: true });
  }
  const listed = new Set(files.map((f) => f.name));
  for (const name of names) {
    if (!name.endsWith(SIDECAR_SUFFIX)) continue;
    const base = name.slice(0, -SIDECAR_SUFFIX.length);
    const stamp = parseOrUndefined(base.replace(/\.(data|ts|meta)$/, ''));
    const older = winner !== undefined && stamp?.compare(winner.timestamp) === -1;
    if (!listed.has(base) && older) rmSync(join(hashDir, name), { force: true });
  }
  if (kept.length === 0) {
    try {
      rmdirSync(hashDir); // only succeeds when empty
    } catch {
      // something arrived meanwhile, or it is gone already
    }
  }
  return kept;
}

/** A device that fills up while writing answers 507, so the proxy writes elsewhere. */
async function noSpaceIs507<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      throw new StratusError('INSUFFICIENT_STORAGE', 'Insufficient Storage: the device is full', {
        cause: err,
      });
    }
    throw err;
  }
}

function parseOrUndefined(text: string): Timestamp | undefined {
  try {
    return Timestamp.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Bytes gathered before they go to the file in one writev: a socket yields 16–64 KiB at a time,
 * and each write is a trip to the thread pool (bench/README.md). Memory stays flat: at most this
 * much per upload.
 */
const WRITE_BATCH_BYTES = 256 * 1024;

/** One PUT in progress: chunks go to a temp file; `commit` makes it the object, `abort` drops it. */
export class DiskFileWriter {
  private done = false;
  private closed = false;
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  bytesWritten = 0;

  constructor(
    private readonly diskFile: DiskFile,
    private readonly tmpPath: string,
    private readonly fd: number,
    private readonly keepCacheBytes: number,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    this.bytesWritten += chunk.length;
    if (this.batchBytes >= WRITE_BATCH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    const chunks = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (chunks.length > 0) await noSpaceIs507(() => writevFd(this.fd, chunks));
  }

  /** Attaches metadata, fsyncs, and renames into place as `fileName`; then removes obsolete files. */
  async commit(fileName: string, metadata: ObjectMetadata): Promise<void> {
    const { diskFile } = this;
    let sidecar: string | undefined;
    try {
      await this.flush();
      sidecar = await noSpaceIs507(() => writeMetadata(this.tmpPath, metadata));
      await noSpaceIs507(() => fsyncFd(this.fd));
      if (this.bytesWritten > this.keepCacheBytes) dropPageCache(this.fd);
      this.close();
      await diskFile.ensureHashDir();
      const target = join(diskFile.hashDir, fileName);
      if (sidecar) renameSync(sidecar, target + SIDECAR_SUFFIX);
      renameSync(this.tmpPath, target);
      this.done = true;
      await fsyncDir(diskFile.hashDir);
      invalidateSuffix(diskFile.partitionDir, diskFile.hash.slice(-3));
    } finally {
      if (!this.done) this.abort();
    }
    await diskFile.cleanup();
  }

  /** Drops the temp file (and its sidecar): nothing of this PUT stays visible. */
  abort(): void {
    this.done = true;
    this.close();
    removeWithSidecar(this.tmpPath);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
