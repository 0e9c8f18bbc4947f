/**
 * Storage nodes inside the test process, for daemon unit tests: the same config files and
 * rings `npm start` writes (local-cluster/), one NodeContext per node, and its object,
 * container and account servers started or stopped one by one on their real ports. Faster
 * than spawning processes, and a stopped server is a real refused connection.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../../common/config.js';
import { createLogger } from '../../common/logger.js';
import { planLayout, type ClusterLayout } from '../../local-cluster/layout.js';
import { writeClusterFiles } from '../../local-cluster/setup.js';
import { createAccountApp } from '../../storage-node/account/server.js';
import { readStorageNodeConfig } from '../../storage-node/config.js';
import { createContainerApp } from '../../storage-node/container/server.js';
import { createNodeContext, type NodeContext } from '../../storage-node/context.js';
import { createBackendServer } from '../../storage-node/http/server.js';
import type { BackendApp } from '../../storage-node/http/types.js';
import { createObjectApp } from '../../storage-node/object/server.js';

export type ServerKind = 'object' | 'container' | 'account';

export interface InProcessNodes {
  layout: ClusterLayout;
  contexts: NodeContext[];
  devicePath(index: number): string;
  start(index: number, kind: ServerKind): Promise<void>;
  stop(index: number, kind: ServerKind): Promise<void>;
  startAll(): Promise<void>;
  close(): Promise<void>;
}

const APPS: Record<ServerKind, (ctx: NodeContext) => BackendApp> = {
  object: createObjectApp,
  container: createContainerApp,
  account: createAccountApp,
};

export async function startInProcessNodes(
  count: number,
  settings: Record<string, string> = {},
): Promise<InProcessNodes> {
  const dataDir = await mkdtemp(join(tmpdir(), 'stratus-nodes-'));
  const layout = await planLayout({
    dataDir,
    nodes: count,
    replicas: Math.min(3, count),
    partPower: 4,
  });
  await writeClusterFiles(layout, settings);
  const logger = createLogger({ server: 'test-node', level: 'silent' });
  const contexts: NodeContext[] = [];
  for (const node of layout.nodes) {
    contexts.push(
      await createNodeContext(readStorageNodeConfig(await Config.load(node.confPath)), logger),
    );
  }
  const servers = new Map<string, Server>();
  const nodes: InProcessNodes = {
    layout,
    contexts,
    devicePath: (index) => join(layout.nodes[index]!.devicesRoot, layout.nodes[index]!.devices[0]!),
    async start(index, kind) {
      const key = `${index}/${kind}`;
      if (servers.has(key)) return;
      const server = createBackendServer(APPS[kind](contexts[index]!), { logger });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(layout.nodes[index]!.ports[kind], layout.nodes[index]!.ip, () => resolve());
      });
      servers.set(key, server);
    },
    async stop(index, kind) {
      const server = servers.get(`${index}/${kind}`);
      if (!server) return;
      servers.delete(`${index}/${kind}`);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async startAll() {
      for (let i = 0; i < count; i++)
        for (const kind of ['object', 'container', 'account'] as const) await nodes.start(i, kind);
    },
    async close() {
      for (const key of [...servers.keys()]) {
        const [index, kind] = key.split('/');
        await nodes.stop(Number(index), kind as ServerKind);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return nodes;
}
