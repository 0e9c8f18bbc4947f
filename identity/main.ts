#!/usr/bin/env node
/**
 * The identity service, a Keystone v3-compatible API: `node dist/identity/main.js <identity.conf>`.
 * Create its first admin with `node dist/identity/bootstrap.js` (see bootstrap.ts).
 */
import { createServer } from 'node:http';
import { Config } from '../common/config.js';
import { describeError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { createIdentityApp } from './app.js';
import { Backend } from './backend.js';
import { readIdentityConfig } from './config.js';
import { openDatabase } from './db.js';
import { SecretBox } from './secret-box.js';

/** How often expired tokens are deleted. */
const PRUNE_INTERVAL_MS = 60_000;

async function main(argv: string[]): Promise<void> {
  const confPath = argv[0];
  if (!confPath) {
    process.stderr.write('usage: identity-server <identity.conf>\n');
    process.exitCode = 2;
    return;
  }
  const config = readIdentityConfig(await Config.load(confPath));
  const logger = createLogger({ server: 'identity-server', level: config.logLevel });
  const db = openDatabase(config.dbPath);
  const backend = new Backend(db, SecretBox.open(config.credentialKeyFile), config);
  const app = createIdentityApp({ backend, config, logger });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.bindPort, config.bindIp, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.bindPort;
  logger.info({ ip: config.bindIp, port, db: config.dbPath }, 'identity listening');

  const pruner = setInterval(() => {
    const pruned = backend.tokens.prune();
    if (pruned > 0) logger.debug({ pruned }, 'expired tokens deleted');
  }, PRUNE_INTERVAL_MS);
  pruner.unref();

  const stop = (signal: string) => {
    logger.info({ signal }, 'identity stopping');
    clearInterval(pruner);
    server.close(() => {
      db.close();
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`identity-server: ${describeError(err)}\n`);
  process.exit(1);
});
