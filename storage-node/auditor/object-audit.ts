/**
 * Auditing one object (one hash folder): its metadata must be readable, name the object whose
 * hash the folder carries, and give the data file's exact size; the data's MD5 must equal the
 * stored ETag. Anything else means the bytes on disk can no longer be trusted, so the whole
 * hash folder is quarantined (DiskFile.quarantine also invalidates the suffix hash, so the
 * next replication pass sees this replica differ and copies a good one back from a peer).
 *
 * Objects change while they are audited: a PUT may replace the data file. Reading goes
 * through an open handle (the old bytes stay readable), and before quarantining, the folder
 * is listed again: if the damaged file is no longer the current one, nothing is moved.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { PathHasher } from '../../common/hash.js';
import { DiskFile, listObjectFiles, type OnDiskFile } from '../object/disk-file.js';
import { MetadataError, readMetadata, type ObjectMetadata } from '../object/metadata.js';
import type { RateLimiter } from '../daemons/pacing.js';

/** Bytes read per chunk while checking a data file (Swift's disk_chunk_size is 64 KiB). */
const CHUNK_BYTES = 256 * 1024;

export type ObjectAuditResult =
  /** Checked and sound; `bytes` read to check the MD5. */
  | { kind: 'ok'; bytes: number }
  /** Nothing to check (no .data/.ts), or it changed under the audit: next pass. */
  | { kind: 'skipped'; bytes: number }
  | { kind: 'quarantined'; bytes: number; reason: string; target: string | undefined };

export interface ObjectAuditTarget {
  devicePath: string;
  partition: number;
  hash: string;
}

export async function auditObject(
  hasher: PathHasher,
  target: ObjectAuditTarget,
  bytesLimiter: RateLimiter,
): Promise<ObjectAuditResult> {
  const hashDir = join(
    target.devicePath,
    'objects',
    String(target.partition),
    target.hash.slice(-3),
    target.hash,
  );
  const files = await listObjectFiles(hashDir);
  const winner = files.find((f) => f.kind === 'data' || f.kind === 'ts');
  if (!winner) return { kind: 'skipped', bytes: 0 };
  const finding = await inspect(hasher, target.hash, hashDir, files, winner, bytesLimiter);
  if (finding.problem === undefined)
    return { kind: finding.gone ? 'skipped' : 'ok', bytes: finding.bytes };
  // Only quarantine what is still the object's current file.
  const now = (await listObjectFiles(hashDir)).find((f) => f.kind === 'data' || f.kind === 'ts');
  if (now?.name !== winner.name) return { kind: 'skipped', bytes: finding.bytes };
  const diskFile = new DiskFile(
    target.devicePath,
    target.partition,
    target.hash,
    finding.name ?? '',
  );
  return {
    kind: 'quarantined',
    bytes: finding.bytes,
    reason: finding.problem,
    target: await diskFile.quarantine(),
  };
}

interface Finding {
  bytes: number;
  problem?: string;
  /** The file disappeared meanwhile (replaced or deleted): not a problem. */
  gone?: boolean;
  name?: string;
}

async function inspect(
  hasher: PathHasher,
  hash: string,
  hashDir: string,
  files: OnDiskFile[],
  winner: OnDiskFile,
  bytesLimiter: RateLimiter,
): Promise<Finding> {
  let metadata: ObjectMetadata;
  try {
    metadata = readMetadata(join(hashDir, winner.name));
    // A .meta that still counts (newer than the data) must be readable too.
    for (const meta of files.filter(
      (f) => f.kind === 'meta' && f.timestamp.isNewerThan(winner.timestamp),
    )) {
      readMetadata(join(hashDir, meta.name));
    }
  } catch (err) {
    if (err instanceof MetadataError) return { bytes: 0, problem: err.message };
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { bytes: 0, gone: true };
    throw err;
  }
  const name = metadata.name;
  const nameProblem = checkName(hasher, hash, name);
  if (nameProblem) return { bytes: 0, problem: nameProblem, name };
  if (winner.kind === 'ts') return { bytes: 0, name };
  return { ...(await checkData(join(hashDir, winner.name), metadata, bytesLimiter)), name };
}

/** The stored name must hash to the folder's hash (Swift's "hash of name does not match"). */
function checkName(hasher: PathHasher, hash: string, name: string | undefined): string | undefined {
  if (name === undefined) return 'metadata has no name';
  const [, account, container, ...rest] = name.split('/');
  if (!account || !container || rest.length === 0 || !name.startsWith('/'))
    return `metadata name ${JSON.stringify(name)} is not /account/container/object`;
  if (hasher.hashPath(account, container, rest.join('/')) !== hash)
    return `metadata name ${JSON.stringify(name)} does not hash to the folder ${hash}`;
  return undefined;
}

/** Size against Content-Length, then MD5 against ETag, reading at the limiter's pace. */
async function checkData(
  path: string,
  metadata: ObjectMetadata,
  bytesLimiter: RateLimiter,
): Promise<Finding> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { bytes: 0, gone: true };
    throw err;
  }
  try {
    const size = (await handle.stat()).size;
    if (String(size) !== metadata['Content-Length']) {
      return {
        bytes: 0,
        problem: `size ${size} does not match Content-Length ${metadata['Content-Length'] ?? '(none)'}`,
      };
    }
    const etag = metadata.ETag;
    if (etag === undefined) return { bytes: 0, problem: 'metadata has no ETag' };
    const md5 = createHash('md5');
    const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, Math.max(size, 1)));
    let offset = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) break;
      md5.update(buffer.subarray(0, bytesRead));
      offset += bytesRead;
      await bytesLimiter.wait(bytesRead);
    }
    if (offset !== size) return { bytes: offset, problem: `read ${offset} bytes of ${size}` };
    const actual = md5.digest('hex');
    if (actual !== etag.toLowerCase())
      return { bytes: offset, problem: `MD5 ${actual} does not match ETag ${etag}` };
    return { bytes: offset };
  } finally {
    await handle.close();
  }
}
