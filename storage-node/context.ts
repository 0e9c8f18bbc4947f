/** What every app of a storage node shares: config, devices, rings, logger, HTTP client. */
import { Agent, type Dispatcher } from 'undici';
import { loadPathHasher, loadRing, type RingName } from '../common/cluster-config.js';
import type { PathHasher } from '../common/hash.js';
import type { Logger } from '../common/logger.js';
import type { Ring } from '../common/ring/ring.js';
import type { StorageNodeConfig } from './config.js';
import { Devices } from './devices.js';

export interface NodeContext {
  config: StorageNodeConfig;
  devices: Devices;
  hasher: PathHasher;
  rings: Record<RingName, Ring>;
  logger: Logger;
  /** Keep-alive pool for requests to other storage nodes. */
  http: Dispatcher;
}

export async function createNodeContext(
  config: StorageNodeConfig,
  logger: Logger,
): Promise<NodeContext> {
  const hasher = await loadPathHasher(config.swiftDir);
  const onReloadError = (err: unknown) =>
    logger.error({ err }, 'ring reload failed; still serving the previous ring');
  const rings = {
    account: loadRing(config.swiftDir, 'account', hasher, { onReloadError }),
    container: loadRing(config.swiftDir, 'container', hasher, { onReloadError }),
    object: loadRing(config.swiftDir, 'object', hasher, { onReloadError }),
  };
  const http = new Agent({
    keepAliveTimeout: 4_000,
    connect: { timeout: config.object.connTimeout * 1000 },
  });
  return {
    config,
    devices: new Devices(config.devices, config.mountCheck),
    hasher,
    rings,
    logger,
    http,
  };
}
