/** What every app of a storage node shares: config, devices, rings, logger, HTTP client. */
import { Agent, type Dispatcher } from 'undici';
import { loadPathHasher, loadRings, type ClusterRings } from '../common/cluster-config.js';
import type { PathHasher } from '../common/hash.js';
import type { Logger } from '../common/logger.js';
import type { StorageNodeConfig } from './config.js';
import { Devices } from './devices.js';

export interface NodeContext {
  config: StorageNodeConfig;
  devices: Devices;
  hasher: PathHasher;
  rings: ClusterRings;
  logger: Logger;
  /** Keep-alive pool for requests to other storage nodes. */
  http: Dispatcher;
}

export async function createNodeContext(
  config: StorageNodeConfig,
  logger: Logger,
): Promise<NodeContext> {
  const hasher = await loadPathHasher(config.swiftDir);
  const rings = loadRings(config.swiftDir, hasher, {
    reloadTime: config.ringCheckInterval,
    onReloadError: (err) =>
      logger.error({ err }, 'ring reload failed; still serving the previous ring'),
  });
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
