/**
 * Cluster-wide settings every process shares, read from `<swift_dir>/stratus.conf` (Swift's
 * `swift.conf`): the path-hash secrets in `[swift-hash]`, and the ring files beside it.
 */
import { join } from 'node:path';
import { Config } from './config.js';
import { initHashing, PathHasher } from './hash.js';
import { Ring, type RingOptions } from './ring/ring.js';

export const CLUSTER_CONF_NAME = 'stratus.conf';
export type RingName = 'account' | 'container' | 'object';

export async function loadPathHasher(swiftDir: string): Promise<PathHasher> {
  await initHashing();
  const config = await Config.load(join(swiftDir, CLUSTER_CONF_NAME));
  const section = config.requireSection('swift-hash');
  return new PathHasher({
    prefix: section.string('swift_hash_path_prefix', ''),
    suffix: section.string('swift_hash_path_suffix', ''),
  });
}

export function ringPath(swiftDir: string, name: RingName): string {
  return join(swiftDir, `${name}.ring.gz`);
}

export function loadRing(
  swiftDir: string,
  name: RingName,
  hasher: PathHasher,
  options: RingOptions = {},
): Ring {
  return Ring.load(ringPath(swiftDir, name), hasher, options);
}

export interface ClusterRings {
  account: Ring;
  container: Ring;
  object: Ring;
}

/** The three rings, each reloading itself when its file changes (see RingOptions). */
export function loadRings(
  swiftDir: string,
  hasher: PathHasher,
  options: RingOptions = {},
): ClusterRings {
  return {
    account: loadRing(swiftDir, 'account', hasher, options),
    container: loadRing(swiftDir, 'container', hasher, options),
    object: loadRing(swiftDir, 'object', hasher, options),
  };
}
