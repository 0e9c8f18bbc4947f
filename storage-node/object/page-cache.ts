/**
 * Keeping large object bodies out of the kernel's page cache, as Swift's object server does
 * (`drop_buffer_cache`, i.e. posix_fadvise(POSIX_FADV_DONTNEED)): a node stores far more than
 * its memory, so cached bodies are rarely read again before they are evicted, and they push
 * out what every request needs — inodes, folder entries, xattrs, SQLite pages.
 *
 * Bodies larger than `keep_cache_size` (Swift's option and default, 5 MiB) are dropped once
 * fsynced after a PUT and as they are read by a GET. Smaller ones stay cached both ways, where
 * Swift drops every PUT and every GET made with a token: small objects are the ones read again.
 *
 * Dropping also makes writes cheaper on virtual machines whose host reclaims freed guest memory
 * (free page reporting): the page cache otherwise grows into memory the host must fault in
 * again, and copying uploads into it cost 30% of this machine's CPU (bench/README.md).
 *
 * posix_fadvise comes from the `fadvise` package (a one-call N-API binding; Node has none).
 * The advice is only advice: if the binding did not build, or the call fails, pages stay
 * cached and nothing else changes.
 */
import { createRequire } from 'node:module';

interface FadviseBinding {
  posix_fadvise(fd: number, offset: number, length: number, advice: number): number;
  POSIX_FADV_DONTNEED: number;
  /** Set by the package when its native part could not be loaded. */
  failed_to_load?: boolean;
}

const binding = createRequire(import.meta.url)('fadvise') as FadviseBinding;

/** Bytes read between two drops while a GET streams a large body (Swift: 1 MiB). */
export const DROP_WINDOW_BYTES = 1024 * 1024;

/** False when the native binding is missing, so page-cache drops do nothing (logged at start). */
export const canDropPageCache = binding.failed_to_load !== true;

/**
 * Asks the kernel to drop the cached pages of `length` bytes from `offset` (0: to the end).
 * Dirty pages are not dropped, so call it after fsync; `fd` must still be open.
 */
export function dropPageCache(fd: number, offset = 0, length = 0): void {
  if (canDropPageCache) binding.posix_fadvise(fd, offset, length, binding.POSIX_FADV_DONTNEED);
}
