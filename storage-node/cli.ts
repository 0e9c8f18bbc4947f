#!/usr/bin/env node
/**
 * One pass of a storage-node daemon, on demand:
 *
 *   node dist/storage-node/cli.js <storage-node.conf> <daemon> [--devices sdb1,sdc1]
 *
 * Daemons: object-replicator, object-auditor, object-updater, object-expirer,
 * container-replicator, container-updater, account-replicator. Progress goes to stderr, the pass's figures to
 * stdout as JSON. Exit 1 when the pass had failures.
 */
import { parseArgs } from 'node:util';
import { Config } from '../common/config.js';
import { describeError } from '../common/errors.js';
import { createLogger } from '../common/logger.js';
import { readStorageNodeConfig } from './config.js';
import { createNodeContext } from './context.js';
import { createDaemons } from './daemons/index.js';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { devices: { type: 'string' } },
  });
  const [confPath, name] = positionals;
  const config = confPath ? readStorageNodeConfig(await Config.load(confPath)) : undefined;
  const logger = createLogger({
    server: 'storage-node-cli',
    level: 'warn',
    destination: process.stderr,
  });
  const daemons = config ? createDaemons(await createNodeContext(config, logger)) : [];
  const daemon = daemons.find((d) => d.name === name);
  if (!config || !daemon) {
    process.stderr.write(
      `usage: storage-node-cli <storage-node.conf> <daemon> [--devices a,b]\ndaemons: ${daemons.map((d) => d.name).join(', ') || 'object-replicator'}\n`,
    );
    process.exit(2);
  }
  let lastDraw = 0;
  const stats = await daemon.runOnce({
    devices: values.devices?.split(',').filter(Boolean),
    onProgress: (done, total) => {
      const now = Date.now();
      if (done < total && now - lastDraw < 1000) return;
      lastDraw = now;
      process.stderr.write(
        `${daemon.name}: ${done} of ${total} (${total ? ((100 * done) / total).toFixed(1) : '100.0'}%)\n`,
      );
    },
  });
  process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
  if ((stats as { failures?: number }).failures) process.exitCode = 1;
  process.exit();
}

main().catch((err: unknown) => {
  process.stderr.write(`storage-node-cli: ${describeError(err)}\n`);
  process.exit(1);
});
