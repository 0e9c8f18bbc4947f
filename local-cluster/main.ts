#!/usr/bin/env node
/**
 * `npm start`: a whole Stratus cluster on this machine — 4 storage nodes with one device each,
 * account/container/object rings with 3 replicas, a proxy on 127.0.0.1:8080, and the identity
 * service (Keystone v3 API) on the proxy's port + 13 with a demo admin whose credentials go to
 * <data-dir>/openrc — with the data kept in ./data between runs. Ctrl-C stops everything.
 *
 *   npm start [-- --port 8080] [--data-dir ./data]
 */
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError } from '../common/errors.js';
import { LocalCluster } from './cluster.js';
import { DEMO_USERS } from './setup.js';

const USAGE =
  'usage: npm start [-- --port <proxy port, default 8080>] [--data-dir <folder, default ./data>]';

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '8080' },
        'data-dir': { type: 'string', default: 'data' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${describeError(err)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535 - 13) {
    process.stderr.write(
      `--port must be a port number from 1 to 65522, got ${values.port}\n${USAGE}\n`,
    );
    process.exit(2);
  }
  const dataDir = resolve(values['data-dir']);
  await mkdir(dataDir, { recursive: true });
  process.stdout.write(`Starting Stratus in ${dataDir} …\n`);
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start({
      dataDir,
      proxyPort: port,
      nodes: 4,
      replicas: 3,
      partPower: 10,
      identity: true,
    });
  } catch (err) {
    process.stderr.write(
      `Could not start the cluster: ${describeError(err)}\n` +
        `Is another cluster using ports ${port}–${port + 13}? Pick another with --port.\n`,
    );
    process.exit(1);
  }
  const { layout } = cluster;
  const lines = [
    '',
    `Stratus is running: proxy ${cluster.proxyUrl}, ${layout.nodes.length} storage nodes, ${layout.replicas} replicas.`,
    '',
    `  Auth URL (TempAuth v1): ${cluster.authUrl}`,
    ...DEMO_USERS.map((u) => `  ${u.login.padEnd(14)} key ${u.key.padEnd(9)} ${u.role}`),
    '',
    'Try it:',
    `  swift -A ${cluster.authUrl} -U test:tester -K testing stat`,
    `  swift -A ${cluster.authUrl} -U test:tester -K testing upload photos README.md`,
    `  curl -i ${cluster.proxyUrl}/healthcheck`,
    '',
    `  Identity (Keystone v3): ${cluster.identityAuthUrl}, user ${cluster.identityAdmin?.username} in project ${cluster.identityAdmin?.projectName}, password ${cluster.identityAdmin?.password}`,
    `  Its credentials are in ${dataDir}/openrc:`,
    `  source ${dataDir}/openrc && openstack token issue && openstack catalog list`,
    '',
    `Data, rings and configs: ${dataDir} (logs: *.log there). Press Ctrl-C to stop.`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
  cluster.watch((name, code) => {
    process.stderr.write(
      `${name} exited unexpectedly (code ${code}); see its log in ${dataDir}. The cluster keeps serving with its replicas.\n`,
    );
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping Stratus …\n`);
    await cluster.stop();
    process.stdout.write('Stopped. Data kept in place; `npm start` resumes it.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`stratus: ${describeError(err)}\n`);
  process.exit(1);
});
