/** Every object write marks its suffix as changed, for the suffix hashes (hashes.ts). */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';

export const INVALID_FILE = 'hashes.invalid';

/** Appends a suffix to the partition's invalidation list; cheap enough for every write. */
export async function invalidateSuffix(partitionDir: string, suffix: string): Promise<void> {
  await appendFile(join(partitionDir, INVALID_FILE), `${suffix}\n`);
}
