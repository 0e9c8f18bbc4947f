/**
 * A Stratus cluster for benchmarks: local-cluster/'s 4 nodes, 3 replicas, part power 10 (what
 * `npm start` runs), with the background daemons off and logging at warn — the same as the
 * Swift all-in-one it is compared with, which runs no daemons and logs warnings only.
 * `cpuProfileDir` runs every process under `node --cpu-prof` (cpu-profile-preload.ts; profiles are written at exit).
 */
import { mkdir } from 'node:fs/promises';
import { loadPathHasher, loadRing } from '../../common/cluster-config.js';
import { LocalCluster } from '../../local-cluster/cluster.js';
import type { ContainerReplica } from '../listing-seed.js';
import { descendantsMentioning } from '../proc.js';
import type { Endpoint } from '../swift-session.js';

const PRELOAD = new URL('../cpu-profile-preload.js', import.meta.url).href;

export const DAEMONS_OFF: Record<string, string> = Object.fromEntries(
  [
    'object-replicator',
    'object-auditor',
    'object-updater',
    'object-expirer',
    'container-replicator',
    'container-updater',
    'account-replicator',
  ].map((name) => [`${name}.interval`, '0']),
);

export interface StratusTarget {
  endpoint: Endpoint;
  cluster: LocalCluster;
  /** The container's replicas, from the cluster's container ring. */
  containerReplicas(account: string, container: string): Promise<ContainerReplica[]>;
  stop(): Promise<void>;
}

export async function startStratus(options: {
  dataDir: string;
  partPower: number;
  cpuProfileDir?: string;
}): Promise<StratusTarget> {
  await mkdir(options.dataDir, { recursive: true });
  const saved = process.env.NODE_OPTIONS;
  if (options.cpuProfileDir) {
    await mkdir(options.cpuProfileDir, { recursive: true });
    // Children inherit the environment at spawn time: only the cluster's processes are profiled.
    process.env.NODE_OPTIONS = `${saved ?? ''} --import=${PRELOAD}`;
    process.env.STRATUS_CPU_PROFILE_DIR = options.cpuProfileDir;
  }
  let cluster: LocalCluster;
  try {
    cluster = await LocalCluster.start({
      dataDir: options.dataDir,
      nodes: 4,
      replicas: 3,
      partPower: options.partPower,
      settings: { log_level: 'warn', ...DAEMONS_OFF },
    });
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
    delete process.env.STRATUS_CPU_PROFILE_DIR;
  }
  return {
    cluster,
    endpoint: {
      name: 'stratus',
      authUrl: cluster.authUrl,
      user: 'test:tester',
      key: 'testing',
      proxyPids: () => (cluster.proxyPid ? [cluster.proxyPid] : []),
      // Every process of the cluster names a config file inside its data folder.
      serverPids: () => descendantsMentioning(options.dataDir),
    },
    async containerReplicas(account, container) {
      const { swiftDir } = cluster.layout;
      const ring = loadRing(swiftDir, 'container', await loadPathHasher(swiftDir));
      const { partition, nodes } = ring.getNodes(account, container);
      return nodes.map((n) => ({ host: n.ip, port: n.port, device: n.device, partition }));
    },
    stop: () => cluster.stop(),
  };
}
