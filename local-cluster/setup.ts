/**
 * Writes what a local cluster needs before any process starts: the cluster config with its
 * hash secret, one account/container/object ring each naming every node's device, and each
 * node's storage-node.conf. Existing files are kept, so a cluster's data survives restarts.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../common/atomic-file.js';
import { CLUSTER_CONF_NAME, ringPath, type RingName } from '../common/cluster-config.js';
import { serializeRing } from '../common/ring/ring-data.js';
import { DEFAULT_PIPELINE } from '../proxy/config.js';
import { loadBuilder, saveBuilder } from '../ring-builder/builder-file.js';
import { RingBuilder } from '../ring-builder/builder.js';
import type { ClusterLayout, NodeLayout } from './layout.js';

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

const RING_NAMES: RingName[] = ['account', 'container', 'object'];

/**
 * Writes stratus.conf (once), the rings and every node's config. `ringNodes` limits a new
 * cluster's rings to the first nodes (the others can join later with addNodeToRings).
 */
export async function writeClusterFiles(
  layout: ClusterLayout,
  extraNodeConf: Record<string, string> = {},
  ringNodes?: number,
): Promise<void> {
  await mkdir(layout.swiftDir, { recursive: true });
  const clusterConf = join(layout.swiftDir, CLUSTER_CONF_NAME);
  if (!(await exists(clusterConf))) {
    await writeFileAtomic(
      clusterConf,
      `# Cluster-wide settings shared by every process.\n[swift-hash]\n` +
        `# Secret salt for placement: never change it once the cluster holds data.\n` +
        `swift_hash_path_suffix = ${randomBytes(16).toString('hex')}\nswift_hash_path_prefix =\n`,
    );
  }
  for (const name of RING_NAMES) await writeRing(layout, name, ringNodes ?? layout.nodes.length);
  for (const node of layout.nodes) {
    for (const device of node.devices)
      await mkdir(join(node.devicesRoot, device), { recursive: true });
    await writeFile(node.confPath, nodeConf(layout, node, extraNodeConf));
  }
}

/**
 * The ring builder files live beside the rings (`<swift_dir>/<name>.builder`), as an
 * operator's would, so `stratus-ring-builder` works on the local cluster too. A new cluster's
 * builders are created and rebalanced; on later starts only the devices' ports are brought up
 * to date (they follow --port), and the ring file is rewritten from the builder.
 */
async function writeRing(layout: ClusterLayout, name: RingName, ringNodes: number): Promise<void> {
  const builderPath = join(layout.swiftDir, `${name}.builder`);
  let builder: RingBuilder;
  if (await exists(builderPath)) {
    builder = await loadBuilder(builderPath);
    for (const dev of builder.devices) {
      const node = layout.nodes.find((n) => dev.meta === nodeTag(n));
      if (node && dev.port !== node.ports[name])
        builder.setInfo(dev.id, { port: node.ports[name], replicationPort: node.ports[name] });
    }
  } else {
    builder = new RingBuilder(layout.partPower, layout.replicas, 1);
    for (const node of layout.nodes.slice(0, ringNodes)) addNodeDevices(builder, node, name);
    builder.rebalance({ seed: 1 });
  }
  await saveBuilder(builder, builderPath);
  await writeFileAtomic(ringPath(layout.swiftDir, name), serializeRing(builder.toRingData()));
}

const nodeTag = (node: NodeLayout): string => `node${node.index + 1}`;

function addNodeDevices(builder: RingBuilder, node: NodeLayout, name: RingName): void {
  for (const device of node.devices) {
    builder.addDevice({
      region: 1,
      zone: node.index + 1,
      ip: node.ip,
      port: node.ports[name],
      device,
      weight: 100,
      meta: nodeTag(node),
    });
  }
}

/**
 * Adds a node's devices to the three rings and rebalances them, as an operator growing the
 * cluster would; processes pick the new rings up within their ring_check_interval.
 */
export async function addNodeToRings(layout: ClusterLayout, index: number): Promise<void> {
  for (const name of RING_NAMES) {
    const builderPath = join(layout.swiftDir, `${name}.builder`);
    const builder = await loadBuilder(builderPath);
    addNodeDevices(builder, layout.nodes[index]!, name);
    builder.pretendMinPartHoursPassed();
    builder.rebalance({ seed: 2 });
    await saveBuilder(builder, builderPath);
    await writeFileAtomic(ringPath(layout.swiftDir, name), serializeRing(builder.toRingData()));
  }
}

/**
 * Extra settings for storage-node.conf: `log_level`, `object.<key>` for [object-server], and
 * `<section>.<key>` for any other section (e.g. `object-replicator.interval`).
 */
function nodeConf(layout: ClusterLayout, node: NodeLayout, extra: Record<string, string>): string {
  const sections = new Map<string, string[]>([
    ['object-server', [`bind_port = ${node.ports.object}`]],
    ['container-server', [`bind_port = ${node.ports.container}`]],
    ['account-server', [`bind_port = ${node.ports.account}`]],
  ]);
  for (const [key, value] of Object.entries(extra)) {
    const dot = key.indexOf('.');
    if (dot < 0) continue;
    const prefix = key.slice(0, dot);
    if (prefix === 'proxy' || prefix === 'keystoneauth') continue;
    const section = prefix === 'object' ? 'object-server' : prefix;
    sections.set(section, [...(sections.get(section) ?? []), `${key.slice(dot + 1)} = ${value}`]);
  }
  const lines = [
    `# Storage node ${node.index + 1} of the local cluster (written by the launcher).`,
    '[DEFAULT]',
    `devices = ${node.devicesRoot}`,
    'mount_check = false',
    `bind_ip = ${node.ip}`,
    `swift_dir = ${layout.swiftDir}`,
    `recon_cache_path = ${join(node.devicesRoot, '..', 'recon')}`,
    `log_level = ${extra.log_level ?? 'info'}`,
    '',
  ];
  for (const [section, entries] of sections) lines.push(`[${section}]`, ...entries, '');
  return lines.join('\n');
}

/** The demo users every Swift tutorial uses (SAIO's convention). */
export const DEMO_USERS = [
  { login: 'test:tester', key: 'testing', groups: '.admin', role: 'admin of account test' },
  { login: 'test2:tester2', key: 'testing2', groups: '.admin', role: 'admin of account test2' },
  {
    login: 'test:tester3',
    key: 'testing3',
    groups: '',
    role: 'plain user of account test (needs ACLs)',
  },
  {
    login: 'test5:tester5',
    key: 'testing5',
    groups: '.admin .reseller_admin',
    role: 'reseller admin (every account)',
  },
];

/**
 * Writes proxy-server.conf for the layout. The tempauth token secret is kept from an earlier
 * file, so tokens survive restarts.
 */
export async function writeProxyConf(
  layout: ClusterLayout,
  extra: Record<string, string> = {},
): Promise<void> {
  const previous = await readFile(layout.proxy.confPath, 'utf8').catch(() => '');
  const secret = /^token_secret = (\S+)$/m.exec(previous)?.[1] ?? randomBytes(24).toString('hex');
  const users = DEMO_USERS.map((u) => {
    const [account, user] = u.login.split(':');
    return `user_${account}_${user} = ${u.key}${u.groups ? ` ${u.groups}` : ''}`;
  });
  const text = [
    "# The local cluster's proxy (written by the launcher at every start).",
    '[DEFAULT]',
    `bind_ip = ${layout.proxy.ip}`,
    `bind_port = ${layout.proxy.port}`,
    `swift_dir = ${layout.swiftDir}`,
    `log_level = ${extra.log_level ?? 'info'}`,
    '',
    '[pipeline:main]',
    `pipeline = ${DEFAULT_PIPELINE.join(' ')}`,
    '',
    '[app:proxy-server]',
    'account_autocreate = true',
    ...Object.entries(extra)
      .filter(([key]) => key.startsWith('proxy.'))
      .map(([key, value]) => `${key.slice(6)} = ${value}`),
    '',
    '[filter:tempauth]',
    `token_secret = ${secret}`,
    ...users,
    '',
    // Where the keystoneauth filter validates tokens (whether it is in the pipeline or not).
    ...(layout.identity
      ? [
          '[filter:keystoneauth]',
          `auth_url = http://${layout.identity.ip}:${layout.identity.port}/v3`,
          ...Object.entries(extra)
            .filter(([key]) => key.startsWith('keystoneauth.'))
            .map(([key, value]) => `${key.slice('keystoneauth.'.length)} = ${value}`),
          '',
        ]
      : []),
  ].join('\n');
  await writeFileAtomic(layout.proxy.confPath, text);
}
