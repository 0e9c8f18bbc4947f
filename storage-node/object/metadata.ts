/**
 * Object metadata on disk: compact JSON in one extended attribute (`user.stratus.metadata`)
 * of the .data/.ts/.meta file, as Swift keeps its pickled dict in `user.swift.metadata`.
 *
 * ext4 holds only about 4 KiB of xattrs per inode (XFS far more), and some filesystems have
 * none. When the filesystem refuses the attribute (ENOSPC, E2BIG, ENOTSUP) the metadata goes
 * to a sidecar file `<file>.json` instead, written and fsynced before the file it describes
 * becomes visible. Readers try the attribute first, then the sidecar.
 *
 * Attributes live in the inode, so reading or setting one answers from memory: the calls are
 * synchronous, as in Swift, since a trip to libuv's thread pool costs more (bench/README.md).
 */
import { readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { getAttributeSync, setAttributeSync } from 'fs-xattr';

export const METADATA_XATTR = 'user.stratus.metadata';
export const SIDECAR_SUFFIX = '.json';

/** Header-like keys (`Content-Type`, `X-Object-Meta-Color`, `X-Timestamp`, `name`, …) to values. */
export type ObjectMetadata = Record<string, string>;

const FALLBACK_CODES = new Set(['ENOSPC', 'E2BIG', 'ENOTSUP', 'EOPNOTSUPP', 'ERANGE']);

/** Thrown when a file's metadata is missing or unreadable: the object must be quarantined. */
export class MetadataError extends Error {
  override name = 'MetadataError';
}

/**
 * Attaches metadata to a (temp) file. Returns the sidecar path when one was needed, so the
 * caller can move it next to the file before the file itself.
 */
export async function writeMetadata(
  path: string,
  metadata: ObjectMetadata,
): Promise<string | undefined> {
  const json = JSON.stringify(metadata);
  try {
    setAttributeSync(path, METADATA_XATTR, json);
    return undefined;
  } catch (err) {
    if (!FALLBACK_CODES.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
  const sidecar = path + SIDECAR_SUFFIX;
  const handle = await open(sidecar, 'w', 0o644);
  try {
    await handle.writeFile(json);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return sidecar;
}

export function readMetadata(path: string): ObjectMetadata {
  let text: string;
  try {
    text = getAttributeSync(path, METADATA_XATTR).toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw err;
    try {
      text = readFileSync(path + SIDECAR_SUFFIX, 'utf8');
    } catch {
      throw new MetadataError(`no metadata for ${path} (${code ?? 'unknown error'})`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MetadataError(`metadata of ${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MetadataError(`metadata of ${path} is not an object`);
  }
  for (const value of Object.values(parsed)) {
    if (typeof value !== 'string')
      throw new MetadataError(`metadata of ${path} has a non-string value`);
  }
  return parsed as ObjectMetadata;
}

/** Removes a file and its sidecar, if any. */
export function removeWithSidecar(path: string): void {
  rmSync(path, { force: true });
  rmSync(path + SIDECAR_SUFFIX, { force: true });
}
