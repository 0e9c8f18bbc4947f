/** Every object write marks its suffix as changed, for the suffix hashes (hashes.ts). */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

export const INVALID_FILE = 'hashes.invalid';

/**
 * Appends a suffix to the partition's invalidation list; cheap enough for every write, and
 * synchronous (a few bytes into the page cache) so that it costs no thread-pool trip.
 */
export function invalidateSuffix(partitionDir: string, suffix: string): void {
  appendFileSync(join(partitionDir, INVALID_FILE), `${suffix}\n`);
}
