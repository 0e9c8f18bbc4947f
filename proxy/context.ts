/** What the proxy's filters and controllers share. */
import type { ClusterRings } from '../common/cluster-config.js';
import type { Config } from '../common/config.js';
import type { Metrics } from '../common/metrics.js';
import type { PathHasher } from '../common/hash.js';
import type { Logger } from '../common/logger.js';
import type { BackendClient } from './backend/client.js';
import type { ProxyConfig } from './config.js';
import type { InfoCache } from './info-cache.js';

export interface ProxyContext {
  config: ProxyConfig;
  /** The whole proxy-server.conf, for filters' own sections. */
  file: Config;
  hasher: PathHasher;
  rings: ClusterRings;
  logger: Logger;
  backend: BackendClient;
  info: InfoCache;
  /** What `GET /info` publishes: one entry per enabled feature, filled in as filters load. */
  capabilities: Record<string, Record<string, unknown>>;
  /** Prometheus metrics, served on GET /metrics. */
  metrics: Metrics;
}
