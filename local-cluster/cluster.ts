/**
 * A whole local cluster — storage nodes and a proxy, real processes on loopback — started,
 * watched and stopped. `npm start` runs one; the integration tests run the same code.
 */
import { readFile } from 'node:fs/promises';
import { planLayout, type ClusterLayout, type LayoutOptions } from './layout.js';
import {
  nodeUrls,
  startProxy,
  startStorageNode,
  stopProcess,
  waitHealthy,
  type ManagedProcess,
} from './processes.js';
import { writeClusterFiles, writeProxyConf } from './setup.js';

export interface LocalClusterOptions extends LayoutOptions {
  /** Extra settings: `log_level`, `object.<key>` for [object-server], `proxy.<key>` for [app:proxy-server]. */
  settings?: Record<string, string>;
  /** Put only the first N nodes into new rings (the rest can join later). */
  ringNodes?: number;
  /** Start storage nodes only (storage-node tests). */
  withoutProxy?: boolean;
}

export class LocalCluster {
  private readonly nodes = new Map<number, ManagedProcess>();
  private proxy: ManagedProcess | undefined;

  private constructor(
    readonly layout: ClusterLayout,
    private readonly options: LocalClusterOptions,
  ) {}

  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    const layout = await planLayout(options);
    await writeClusterFiles(layout, options.settings, options.ringNodes);
    if (!options.withoutProxy) await writeProxyConf(layout, options.settings);
    const cluster = new LocalCluster(layout, options);
    try {
      await Promise.all(layout.nodes.map((node) => cluster.startNode(node.index)));
      if (!options.withoutProxy) await cluster.startProxy();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  get proxyUrl(): string {
    return `http://${this.layout.proxy.ip}:${this.layout.proxy.port}`;
  }

  /** The proxy process id (benchmarks read its memory use). */
  get proxyPid(): number | undefined {
    return this.proxy?.child.pid;
  }

  get authUrl(): string {
    return `${this.proxyUrl}/auth/v1.0`;
  }

  async startNode(index: number): Promise<void> {
    const node = this.layout.nodes[index]!;
    const proc = startStorageNode(node);
    this.nodes.set(index, proc);
    await waitHealthy(proc, nodeUrls(node));
  }

  async stopNode(index: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.nodes.get(index);
    if (proc) await stopProcess(proc, signal);
  }

  async startProxy(): Promise<void> {
    this.proxy = startProxy(this.layout.proxy);
    await waitHealthy(this.proxy, [this.proxyUrl]);
  }

  /** Calls `onExit` when any process of the cluster exits by itself. */
  watch(onExit: (name: string, code: number | null) => void): void {
    for (const proc of [...this.nodes.values(), ...(this.proxy ? [this.proxy] : [])]) {
      void proc.exited.then((code) => {
        if (!proc.stopping) onExit(proc.name, code);
      });
    }
  }

  async logs(): Promise<string> {
    const paths = [
      ...this.layout.nodes.map((n) => n.logPath),
      ...(this.options.withoutProxy ? [] : [this.layout.proxy.logPath]),
    ];
    const parts = await Promise.all(
      paths.map(async (path) => `--- ${path}\n${await readFile(path, 'utf8').catch(() => '')}`),
    );
    return parts.join('\n');
  }

  async stop(): Promise<void> {
    const all = [...this.nodes.values(), ...(this.proxy ? [this.proxy] : [])];
    await Promise.all(all.map((proc) => stopProcess(proc)));
  }
}
