/**
 * A whole local cluster — storage nodes, a proxy and (optionally) the identity service, real
 * processes on loopback — started, watched and stopped. `npm start` runs one; the
 * integration tests run the same code.
 */
import { readFile } from 'node:fs/promises';
import {
  bootstrapIdentity,
  demoAdmin,
  identityUrl,
  writeIdentityConf,
  writeOpenrc,
  type IdentityAdmin,
} from './identity.js';
import { planLayout, type ClusterLayout, type LayoutOptions } from './layout.js';
import {
  nodeUrls,
  startIdentity,
  startProxy,
  startStorageNode,
  stopProcess,
  waitHealthy,
  type ManagedProcess,
} from './processes.js';
import { writeClusterFiles, writeProxyConf } from './setup.js';

export interface LocalClusterOptions extends LayoutOptions {
  /**
   * Extra settings: `log_level`, `object.<key>` for [object-server], `proxy.<key>` for
   * [app:proxy-server], `keystoneauth.<key>` for [filter:keystoneauth] (with an identity service).
   */
  settings?: Record<string, string>;
  /** Put only the first N nodes into new rings (the rest can join later). */
  ringNodes?: number;
  /** Start storage nodes only (storage-node tests). */
  withoutProxy?: boolean;
  /** Extra identity.conf settings as `<section>.<key>` (e.g. `token.expiration`). */
  identitySettings?: Record<string, string>;
}

export class LocalCluster {
  private readonly nodes = new Map<number, ManagedProcess>();
  private proxy: ManagedProcess | undefined;
  private identity: ManagedProcess | undefined;

  private constructor(
    readonly layout: ClusterLayout,
    private readonly options: LocalClusterOptions,
    /** The identity service's demo admin (DevStack's `admin`), when there is one. */
    readonly identityAdmin: IdentityAdmin | undefined,
  ) {}

  static async start(options: LocalClusterOptions): Promise<LocalCluster> {
    const layout = await planLayout(options);
    await writeClusterFiles(layout, options.settings, options.ringNodes);
    if (!options.withoutProxy) await writeProxyConf(layout, options.settings);
    let admin: IdentityAdmin | undefined;
    if (layout.identity) {
      await writeIdentityConf(
        layout.identity,
        options.identitySettings,
        options.settings?.log_level,
      );
      admin = await demoAdmin(layout);
      await bootstrapIdentity(layout, layout.identity, admin);
      await writeOpenrc(layout, layout.identity, admin);
    }
    const cluster = new LocalCluster(layout, options, admin);
    try {
      // The identity service first: the proxy's keystoneauth may ask it as soon as it starts.
      await Promise.all([
        ...layout.nodes.map((node) => cluster.startNode(node.index)),
        ...(layout.identity ? [cluster.startIdentity()] : []),
      ]);
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

  /** The identity service's root URL (`http://127.0.0.1:<port>`), when there is one. */
  get identityUrl(): string | undefined {
    return this.layout.identity && identityUrl(this.layout.identity);
  }

  /** What OS_AUTH_URL names: the identity service's v3 API. */
  get identityAuthUrl(): string | undefined {
    return this.identityUrl && `${this.identityUrl}/v3`;
  }

  async startIdentity(): Promise<void> {
    if (!this.layout.identity) throw new Error('this cluster has no identity service');
    this.identity = startIdentity(this.layout.identity);
    await waitHealthy(this.identity, [identityUrl(this.layout.identity)]);
  }

  async stopIdentity(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.identity) await stopProcess(this.identity, signal);
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
    for (const proc of this.processes()) {
      void proc.exited.then((code) => {
        if (!proc.stopping) onExit(proc.name, code);
      });
    }
  }

  async logs(): Promise<string> {
    const paths = [
      ...this.layout.nodes.map((n) => n.logPath),
      ...(this.options.withoutProxy ? [] : [this.layout.proxy.logPath]),
      ...(this.layout.identity ? [this.layout.identity.logPath] : []),
    ];
    const parts = await Promise.all(
      paths.map(async (path) => `--- ${path}\n${await readFile(path, 'utf8').catch(() => '')}`),
    );
    return parts.join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes().map((proc) => stopProcess(proc)));
  }

  private processes(): ManagedProcess[] {
    return [
      ...this.nodes.values(),
      ...(this.proxy ? [this.proxy] : []),
      ...(this.identity ? [this.identity] : []),
    ];
  }
}
