#!/usr/bin/env -S node --initial-old-space-size=64
/**
 * The proxy server: `node --initial-old-space-size=64 dist/proxy/main.js <proxy-server.conf>`
 * (the flag: common/server-flags.ts).
 */
import { Config } from '../common/config.js';
import { loadPathHasher, loadRings } from '../common/cluster-config.js';
import { describeError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { serverFlagsWarning } from '../common/server-flags.js';
import { Metrics } from '../common/metrics.js';
import { BackendClient } from './backend/client.js';
import { ErrorLimiter } from './backend/error-limiter.js';
import { readProxyConfig } from './config.js';
import type { ProxyContext } from './context.js';
import { InfoCache } from './info-cache.js';
import { createProxyServer } from './server.js';

async function main(argv: string[]): Promise<void> {
  const confPath = argv[0];
  if (!confPath) {
    process.stderr.write('usage: proxy-server <proxy-server.conf>\n');
    process.exitCode = 2;
    return;
  }
  const file = await Config.load(confPath);
  const config = readProxyConfig(file);
  const logger = createLogger({ server: 'proxy-server', level: config.logLevel });
  const flagsWarning = serverFlagsWarning('proxy-server');
  if (flagsWarning) logger.warn(flagsWarning);
  const hasher = await loadPathHasher(config.swiftDir);
  const rings = loadRings(config.swiftDir, hasher, {
    reloadTime: config.ringCheckInterval,
    onReloadError: (err) =>
      logger.error({ err }, 'ring reload failed; still serving the previous ring'),
  });
  const limiter = new ErrorLimiter(config.errorSuppressionLimit, config.errorSuppressionInterval);
  const backend = new BackendClient(
    limiter,
    { connect: config.connTimeout, node: config.nodeTimeout },
    logger,
  );
  const info = new InfoCache(backend, rings, {
    account: config.recheckAccountExistence,
    container: config.recheckContainerExistence,
  });
  const metrics = new Metrics('proxy-server');
  metrics.gauge(
    'stratus_error_limited_nodes',
    'Storage devices the proxy currently skips',
    [],
    (set) => set({}, limiter.limitedNodes().length),
  );
  const ctx: ProxyContext = {
    config,
    file,
    hasher,
    rings,
    logger,
    backend,
    info,
    capabilities: {},
    metrics,
  };
  const server = createProxyServer(ctx);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.bindPort, config.bindIp, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.bindPort;
  logger.info({ ip: config.bindIp, port, pipeline: config.pipeline }, 'proxy listening');
  const stop = (signal: string) => {
    logger.info({ signal }, 'proxy stopping');
    server.close();
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`proxy-server: ${describeError(err)}\n`);
  process.exit(1);
});
