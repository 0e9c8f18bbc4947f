/**
 * Probes for the container and account replicators: break a node for real (SIGKILL), keep
 * creating containers and objects through the proxy, bring it back, run the replicators on
 * every node as an operator would (the storage-node CLI), and ask every replica directly:
 * each answers the same listing and counts, no deleted object comes back, no database is
 * left on a handoff, and every acknowledged object still reads back with its MD5.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendPath } from '../../common/backend-url.js';
import type { ClusterRings } from '../../common/cluster-config.js';
import type { Ring } from '../../common/ring/ring.js';
import type { ClusterLayout } from '../../local-cluster/layout.js';
import {
  login,
  startCluster,
  storageRequest,
  type Session,
  type TestCluster,
} from '../helpers/cluster.js';
import { http } from '../helpers/http.js';
import { clusterRings, runDaemon, runDaemonEverywhere } from '../helpers/probe.js';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
/** The names in a JSON listing (objects or containers). */
const names = (listing: string) => (JSON.parse(listing) as { name: string }[]).map((e) => e.name);
const ACCOUNT = 'AUTH_test';

/** What one replica answers to a backend GET: status, the counts, the JSON listing. */
interface ReplicaView {
  status: number;
  counts: string[];
  listing: string;
}

async function replicaViews(
  ring: Ring,
  account: string,
  container?: string,
): Promise<ReplicaView[]> {
  const { partition, nodes } = ring.getNodes(account, container);
  const countHeaders = container
    ? ['x-container-object-count', 'x-container-bytes-used']
    : ['x-account-container-count', 'x-account-object-count', 'x-account-bytes-used'];
  return Promise.all(
    nodes.map(async (node) => {
      const reply = await http(
        `http://${node.ip}:${node.port}${backendPath(node.device, partition, account, container)}?format=json`,
      );
      return {
        status: reply.status,
        counts: countHeaders.map((name) => reply.headers[name] ?? ''),
        listing: reply.text,
      };
    }),
  );
}

/** Databases (`containers` or `accounts`) held on devices that are not among their primaries. */
async function handoffDatabases(
  layout: ClusterLayout,
  rings: ClusterRings,
  kind: 'containers' | 'accounts',
): Promise<string[]> {
  const ring = kind === 'containers' ? rings.container : rings.account;
  const leftovers: string[] = [];
  for (const node of layout.nodes) {
    const port = kind === 'containers' ? node.ports.container : node.ports.account;
    for (const device of node.devices) {
      const dir = join(node.devicesRoot, device, kind);
      for (const partition of await readdir(dir).catch(() => [] as string[])) {
        const primaries = ring.getPartNodes(Number(partition));
        if (primaries.some((p) => p.port === port && p.device === device)) continue;
        for (const suffix of await readdir(join(dir, partition)).catch(() => [] as string[])) {
          for (const hash of await readdir(join(dir, partition, suffix)).catch(
            () => [] as string[],
          )) {
            leftovers.push(`node${node.index + 1}/${device}/${kind}/${partition}/${hash}`);
          }
        }
      }
    }
  }
  return leftovers;
}

describe('container and account replication probes', () => {
  let env: TestCluster;
  let session: Session;
  let rings: ClusterRings;
  /** Every acknowledged object still expected to exist: "container/object" → MD5. */
  const written = new Map<string, string>();
  const containers: string[] = [];
  const api = (path: string, options: Parameters<typeof http>[1] = {}) =>
    storageRequest(session, path, options);

  /** The cluster node (index) serving this ring device. */
  const nodeOf = (port: number) =>
    env.cluster.layout.nodes.findIndex((n) => [n.ports.container, n.ports.account].includes(port));

  async function expectAllReplicasAgree(): Promise<void> {
    for (const container of containers) {
      const views = await replicaViews(rings.container, ACCOUNT, container);
      expect(
        views.map((v) => v.status),
        container,
      ).toEqual([200, 200, 200]);
      expect(views[1], container).toEqual(views[0]);
      expect(views[2], container).toEqual(views[0]);
    }
    const accountViews = await replicaViews(rings.account, ACCOUNT);
    expect(accountViews.map((v) => v.status)).toEqual([200, 200, 200]);
    expect(accountViews[1]).toEqual(accountViews[0]);
    expect(accountViews[2]).toEqual(accountViews[0]);
    expect(names(accountViews[0]!.listing)).toEqual([...containers].sort());
  }

  async function expectEveryObjectReadable(): Promise<void> {
    for (const [path, etag] of written) {
      const reply = await api(`/${path}`);
      expect(reply.status, path).toBe(200);
      expect(md5(reply.body), path).toBe(etag);
    }
  }

  beforeAll(async () => {
    env = await startCluster({
      settings: {
        'object-replicator.interval': '0',
        'container-replicator.interval': '0',
        'account-replicator.interval': '0',
        // The updaters would also mend listings (from async pendings); off, so these probes
        // show the replicators alone converge the replicas.
        'object-updater.interval': '0',
        'container-updater.interval': '0',
        'proxy.node_timeout': '3',
      },
    });
    session = await login(env.authUrl, 'test:tester', 'testing');
    rings = await clusterRings(env.cluster.layout);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('brings every container and account replica to the same listing after a node was down', async () => {
    // The node down holds a replica of the account and of every container created here, so
    // it comes back without any of them.
    const down = nodeOf(rings.account.getNodes(ACCOUNT).nodes[1]!.port);
    const downPort = env.cluster.layout.nodes[down]!.ports.container;
    for (let i = 0; containers.length < 3; i++) {
      if (rings.container.getNodes(ACCOUNT, `box${i}`).nodes.some((n) => n.port === downPort))
        containers.push(`box${i}`);
    }
    await env.cluster.stopNode(down, 'SIGKILL');

    for (const container of containers) {
      expect((await api(`/${container}`, { method: 'PUT' })).status, container).toBe(201);
      for (let i = 0; i < 15; i++) {
        const body = randomBytes(100 + i * 10);
        const reply = await api(`/${container}/obj-${i}`, { method: 'PUT', body });
        expect(reply.status, `${container}/obj-${i}`).toBe(201);
        written.set(`${container}/obj-${i}`, md5(body));
      }
      // Tombstone rows travel too.
      expect((await api(`/${container}/obj-0`, { method: 'DELETE' })).status).toBe(204);
      written.delete(`${container}/obj-0`);
    }
    expect(
      (
        await api(`/${containers[0]}`, {
          method: 'POST',
          headers: { 'X-Container-Meta-Color': 'blue' },
        })
      ).status,
    ).toBe(204);
    // Let the container servers' count reports reach the account replicas that are up.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    await env.cluster.startNode(down);
    // Back, but without the databases created meanwhile; some sit on a handoff instead.
    const before = await replicaViews(rings.container, ACCOUNT, containers[0]);
    expect(before.map((v) => v.status).sort()).toEqual([200, 200, 404]);
    expect(
      (await handoffDatabases(env.cluster.layout, rings, 'containers')).length,
    ).toBeGreaterThan(0);

    const passes: Record<string, number>[] = [];
    for (const node of env.cluster.layout.nodes)
      passes.push(await runDaemon(env.cluster.layout, node.index, 'container-replicator'));
    for (const node of env.cluster.layout.nodes)
      passes.push(await runDaemon(env.cluster.layout, node.index, 'account-replicator'));
    const total = (key: string) => passes.reduce((sum, stats) => sum + (stats[key] ?? 0), 0);
    expect(total('failures')).toBe(0);
    expect(total('fullCopies')).toBeGreaterThan(0);
    expect(total('handoffsRemoved')).toBeGreaterThan(0);

    await expectAllReplicasAgree();
    const views = await replicaViews(rings.container, ACCOUNT, containers[0]);
    let bytes = 0;
    for (let i = 1; i < 15; i++) bytes += 100 + i * 10;
    expect(views[0]!.counts).toEqual(['14', String(bytes)]);
    expect(JSON.parse(views[0]!.listing)).toHaveLength(14);
    const first = rings.container.getNodes(ACCOUNT, containers[0]);
    for (const node of first.nodes) {
      const reply = await http(
        `http://${node.ip}:${node.port}${backendPath(node.device, first.partition, ACCOUNT, containers[0])}`,
        { method: 'HEAD' },
      );
      expect(reply.headers['x-container-meta-color']).toBe('blue');
    }
    expect(await handoffDatabases(env.cluster.layout, rings, 'containers')).toEqual([]);
    expect(await handoffDatabases(env.cluster.layout, rings, 'accounts')).toEqual([]);

    // Rows a replica received in the first pass may echo back once; after that a pass finds
    // everything in step: one request per database and peer.
    await runDaemonEverywhere(env.cluster.layout, 'container-replicator');
    const again = await runDaemon(env.cluster.layout, down, 'container-replicator');
    expect([again.fullCopies, again.diffs, again.failures]).toEqual([0, 0, 0]);
    expect(again.noChange).toBeGreaterThan(0);

    await expectEveryObjectReadable();
  }, 240_000);

  it('does not bring back an object deleted while one container replica was down', async () => {
    const container = containers[1]!;
    const body = randomBytes(500);
    expect((await api(`/${container}/doomed`, { method: 'PUT', body })).status).toBe(201);
    const { partition, nodes } = rings.container.getNodes(ACCOUNT, container);
    const down = nodeOf(nodes[2]!.port);
    await env.cluster.stopNode(down, 'SIGKILL');
    expect((await api(`/${container}/doomed`, { method: 'DELETE' })).status).toBe(204);
    await env.cluster.startNode(down);
    // The returning replica still lists the object...
    const stale = await http(
      `http://${nodes[2]!.ip}:${nodes[2]!.port}${backendPath(nodes[2]!.device, partition, ACCOUNT, container)}?format=json`,
    );
    expect(names(stale.text)).toContain('doomed');

    await runDaemonEverywhere(env.cluster.layout, 'container-replicator');
    await runDaemonEverywhere(env.cluster.layout, 'object-replicator');

    // ...until the tombstone row reaches it; the older row it pushed changed nothing elsewhere.
    const views = await replicaViews(rings.container, ACCOUNT, container);
    for (const view of views) {
      expect(view.status).toBe(200);
      expect(names(view.listing)).not.toContain('doomed');
      expect(view).toEqual(views[0]);
    }
    expect(views[0]!.counts[0]).toBe('14');
    expect((await api(`/${container}/doomed`)).status).toBe(404);
    await runDaemonEverywhere(env.cluster.layout, 'account-replicator');
    await expectAllReplicasAgree();
    await expectEveryObjectReadable();
  }, 180_000);
});
