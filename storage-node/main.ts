#!/usr/bin/env -S node --initial-old-space-size=64
/**
 * A storage node: `node --initial-old-space-size=64 dist/storage-node/main.js <storage-node.conf>`
 * (the flag: common/server-flags.ts). One process serves the object, container and account
 * servers for the devices under `devices`, each on its own port as in Swift (the rings name
 * those ports).
 */
import type { Server } from 'node:http';
import { Config } from '../common/config.js';
import { describeError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { serverFlagsWarning } from '../common/server-flags.js';
import { createAccountApp } from './account/server.js';
import { readStorageNodeConfig } from './config.js';
import { createContainerApp } from './container/server.js';
import { Metrics } from '../common/metrics.js';
import { createNodeContext } from './context.js';
import { nodeState, registerNodeGauges } from './recon.js';
import { startDaemons } from './daemons/daemon.js';
import { createDaemons } from './daemons/index.js';
import { createBackendServer } from './http/server.js';
import { createObjectApp } from './object/server.js';
import { canDropPageCache } from './object/page-cache.js';

async function main(argv: string[]): Promise<void> {
  const confPath = argv[0];
  if (!confPath) {
    process.stderr.write('usage: storage-node <storage-node.conf>\n');
    process.exitCode = 2;
    return;
  }
  const config = readStorageNodeConfig(await Config.load(confPath));
  const logger = createLogger({ server: 'storage-node', level: config.logLevel });
  const flagsWarning = serverFlagsWarning('storage-node');
  if (flagsWarning) logger.warn(flagsWarning);
  if (!canDropPageCache) {
    logger.warn(
      "the fadvise package's native part did not load: large bodies will stay in the page " +
        'cache (keep_cache_size has no effect); run `npm rebuild fadvise`',
    );
  }
  const ctx = await createNodeContext(config, logger);
  const daemons = createDaemons(ctx);
  const metrics = new Metrics('storage-node');
  registerNodeGauges(metrics, ctx, daemons);
  const recon = () => nodeState(ctx, daemons);
  const apps = [
    { app: createObjectApp(ctx), port: config.object.bindPort },
    { app: createContainerApp(ctx), port: config.container.bindPort },
    { app: createAccountApp(ctx), port: config.account.bindPort },
  ];
  const servers: Server[] = [];
  const ports: Record<string, number> = {};
  for (const { app, port } of apps) {
    const server = createBackendServer(app, {
      logger: logger.child({ app: app.name }),
      metrics,
      recon,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, config.bindIp, () => resolve());
    });
    const address = server.address();
    ports[app.name] = typeof address === 'object' && address ? address.port : port;
    servers.push(server);
  }
  logger.info({ ip: config.bindIp, ports, devices: config.devices }, 'storage node listening');
  const stopDaemons = startDaemons(daemons, config.daemons, logger.child({ app: 'daemons' }));
  const stop = (signal: string) => {
    logger.info({ signal }, 'storage node stopping');
    stopDaemons();
    for (const server of servers) {
      server.close();
      server.closeIdleConnections();
    }
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`storage-node: ${describeError(err)}\n`);
  process.exit(1);
});
