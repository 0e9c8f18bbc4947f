/**
 * The shape of a local cluster on loopback: N storage nodes with one device each, their
 * ports, folders and config files. Used by `npm start` and by the integration tests, so the
 * tests run exactly what users run.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface NodeLayout {
  index: number;
  ip: string;
  /** Run the node behind this command (e.g. `ip netns exec ns1`); empty for a plain process. */
  commandPrefix: string[];
  ports: { object: number; container: number; account: number };
  /** Folder holding this node's devices (its `devices` setting). */
  devicesRoot: string;
  devices: string[];
  confPath: string;
  logPath: string;
}

export interface ProxyLayout {
  ip: string;
  port: number;
  confPath: string;
  logPath: string;
}

/** The identity service (Keystone v3 API), when the cluster has one. */
export interface IdentityLayout {
  ip: string;
  port: number;
  confPath: string;
  logPath: string;
  /** Folder of its database and credential key. */
  dataDir: string;
}

export interface ClusterLayout {
  dataDir: string;
  proxy: ProxyLayout;
  identity?: IdentityLayout;
  /** Rings and stratus.conf (Swift's /etc/swift). */
  swiftDir: string;
  nodes: NodeLayout[];
  replicas: number;
  partPower: number;
}

export interface LayoutOptions {
  dataDir: string;
  nodes?: number;
  replicas?: number;
  partPower?: number;
  /**
   * The proxy's port. Storage ports follow it: node i uses proxyPort + 1 + 3i (object), + 1
   * (container), + 2 (account), so clusters with distant proxy ports run side by side.
   * Omit for free ports everywhere (tests).
   */
  proxyPort?: number;
  /** Per-node addresses (default 127.0.0.1 for all): tests give nodes hosts of their own. */
  nodeIps?: string[];
  /** Per-node command prefix, e.g. to run a node inside a network namespace. */
  nodeCommandPrefix?: (index: number) => string[];
  /**
   * Give the cluster an identity service. Its port follows the last storage node's:
   * proxyPort + 1 + 3 × nodes (proxy port + 13 with the default four nodes).
   */
  identity?: boolean;
}

/**
 * Ports picked for clusters lie below Linux's ephemeral range (32768–60999), from which the
 * kernel takes the local port of every outgoing connection: a port found free there could be
 * taken by some connection before the process meant to listen on it starts (seen as
 * EADDRINUSE in parallel tests).
 */
const PICK_FROM = 10_000;
const PICK_TO = 32_000;

/**
 * A loopback port nothing listens on now, outside the ephemeral range (see above), and not
 * one of `taken` (ports already planned for the same cluster, which nothing listens on yet).
 */
export async function freePort(taken: Set<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = PICK_FROM + Math.floor(Math.random() * (PICK_TO - PICK_FROM));
    if (taken.has(port) || !(await canListen(port))) continue;
    taken.add(port);
    return port;
  }
  throw new Error(`no free port found between ${PICK_FROM} and ${PICK_TO} on 127.0.0.1`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function planLayout(options: LayoutOptions): Promise<ClusterLayout> {
  const count = options.nodes ?? 4;
  const nodes: NodeLayout[] = [];
  // Every free port of the layout is distinct: two picks of the same port found it free both
  // times, and the cluster failed to start (a ring refuses two devices on one port).
  const taken = new Set<number>();
  const pick = () => freePort(taken);
  for (let index = 0; index < count; index++) {
    const base = options.proxyPort === undefined ? undefined : options.proxyPort + 1;
    const ports =
      base === undefined
        ? { object: await pick(), container: await pick(), account: await pick() }
        : {
            object: base + 3 * index,
            container: base + 3 * index + 1,
            account: base + 3 * index + 2,
          };
    const nodeDir = join(options.dataDir, `node${index + 1}`);
    nodes.push({
      index,
      ip: options.nodeIps?.[index] ?? '127.0.0.1',
      ports,
      commandPrefix: options.nodeCommandPrefix?.(index) ?? [],
      devicesRoot: join(nodeDir, 'srv'),
      devices: ['sdb1'],
      confPath: join(nodeDir, 'storage-node.conf'),
      logPath: join(nodeDir, 'storage-node.log'),
    });
  }
  const swiftDir = join(options.dataDir, 'etc');
  const identity: IdentityLayout | undefined = options.identity
    ? {
        ip: '127.0.0.1',
        port: options.proxyPort === undefined ? await pick() : options.proxyPort + 1 + 3 * count,
        confPath: join(swiftDir, 'identity.conf'),
        logPath: join(options.dataDir, 'identity.log'),
        dataDir: join(options.dataDir, 'identity'),
      }
    : undefined;
  return {
    dataDir: options.dataDir,
    ...(identity && { identity }),
    proxy: {
      ip: '127.0.0.1',
      port: options.proxyPort ?? (await pick()),
      confPath: join(swiftDir, 'proxy-server.conf'),
      logPath: join(options.dataDir, 'proxy-server.log'),
    },
    swiftDir,
    nodes,
    replicas: options.replicas ?? 3,
    partPower: options.partPower ?? 10,
  };
}
