/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over
 * the target, then fsync the folder so the rename itself is durable. A crash at any point
 * leaves either the old file or the new one, never a torn mix (djb's syncdir note; Swift's
 * `_finalize_put`; Garage's `write_block_inner`).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsync, openSync, writev } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

/** fsync(2) in libuv's thread pool: it waits for the disk, so it must not block the loop. */
export const fsyncFd: (fd: number) => Promise<void> = promisify(fsync);

const writevOnce = promisify(writev);

/**
 * Writes all of `chunks` at the file's position, in order, with as few writev(2) calls as the
 * kernel allows (in the thread pool: it may wait for the disk).
 */
export async function writevFd(fd: number, chunks: readonly Uint8Array[]): Promise<void> {
  let pending = chunks.filter((c) => c.length > 0);
  while (pending.length > 0) {
    let { bytesWritten: written } = await writevOnce(fd, pending);
    while (pending.length > 0 && written >= pending[0]!.length) {
      written -= pending[0]!.length;
      pending = pending.slice(1);
    }
    if (written > 0) pending = [pending[0]!.subarray(written), ...pending.slice(1)];
  }
}

/**
 * Makes a folder's entries durable. Opening and closing a folder answer from memory, so only
 * the fsync goes to the thread pool: each trip there costs more CPU than those calls.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    await fsyncDir(dir);
  } finally {
    if (!renamed) await rm(temp, { force: true });
  }
}
