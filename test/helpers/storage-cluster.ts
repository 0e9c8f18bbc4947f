/**
 * Real storage-node processes on loopback for integration tests, set up by the same code
 * `npm start` uses (local-cluster/): free ports, rings written for those ports, one process
 * per node. Logs stay in the temp folder; `dumpLogs()` prints them when a test fails.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPathHasher, loadRings, type ClusterRings } from '../../common/cluster-config.js';
import type { PathHasher } from '../../common/hash.js';
import { LocalCluster } from '../../local-cluster/cluster.js';
import { DAEMONS_OFF } from './probe-disk.js';
import type { ClusterLayout, NodeLayout } from '../../local-cluster/layout.js';

export interface StorageClusterOptions {
  nodes?: number;
  replicas?: number;
  partPower?: number;
  /** Extra storage-node.conf settings; `object.<key>` goes to [object-server]. */
  nodeConf?: Record<string, string>;
}

export class StorageCluster {
  private constructor(
    private readonly cluster: LocalCluster,
    readonly hasher: PathHasher,
    readonly rings: ClusterRings,
  ) {}

  static async start(options: StorageClusterOptions = {}): Promise<StorageCluster> {
    const dataDir = await mkdtemp(join(tmpdir(), 'stratus-cluster-'));
    const cluster = await LocalCluster.start({
      dataDir,
      nodes: options.nodes ?? 3,
      replicas: options.replicas ?? 3,
      partPower: options.partPower ?? 6,
      settings: { log_level: 'debug', ...DAEMONS_OFF, ...options.nodeConf },
      withoutProxy: true,
    });
    const { swiftDir } = cluster.layout;
    const hasher = await loadPathHasher(swiftDir);
    const rings = loadRings(swiftDir, hasher);
    return new StorageCluster(cluster, hasher, rings);
  }

  get layout(): ClusterLayout {
    return this.cluster.layout;
  }

  node(index: number): NodeLayout {
    return this.layout.nodes[index]!;
  }

  /** Base URL of a node's object, container or account server. */
  url(index: number, server: 'object' | 'container' | 'account'): string {
    const node = this.node(index);
    return `http://${node.ip}:${node.ports[server]}`;
  }

  /** The node index serving a port in a ring. */
  nodeIndexOf(port: number): number {
    return this.layout.nodes.findIndex(
      (n) => n.ports.object === port || n.ports.container === port || n.ports.account === port,
    );
  }

  devicePath(index: number, device = 'sdb1'): string {
    return join(this.node(index).devicesRoot, device);
  }

  startNode(index: number): Promise<void> {
    return this.cluster.startNode(index);
  }

  killNode(index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.cluster.stopNode(index, signal);
  }

  dumpLogs(): Promise<string> {
    return this.cluster.logs();
  }

  async stop(): Promise<void> {
    await this.cluster.stop();
    await rm(this.layout.dataDir, { recursive: true, force: true });
  }
}
