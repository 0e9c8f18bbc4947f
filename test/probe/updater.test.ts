/**
 * Probe: listing updates that fail. A node holding one of the container's replicas is killed
 * while objects are uploaded, so the object servers told to update that replica leave async
 * pendings; once the node is back, the object updater (run through the CLI on every node)
 * makes every container replica's listing complete.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterRings } from '../../common/cluster-config.js';
import { listAsyncPendings } from '../../storage-node/async-pending.js';
import {
  login,
  startCluster,
  storageRequest,
  type Session,
  type TestCluster,
} from '../helpers/cluster.js';
import { http } from '../helpers/http.js';
import { clusterRings, runDaemon } from '../helpers/probe.js';
import { containerListings, DAEMONS_OFF, md5 } from '../helpers/probe-disk.js';

describe('updater probe', () => {
  let env: TestCluster;
  let session: Session;
  let rings: ClusterRings;
  const api = (path: string, options: Parameters<typeof http>[1] = {}) =>
    storageRequest(session, path, options);

  beforeAll(async () => {
    env = await startCluster({ settings: { ...DAEMONS_OFF, 'proxy.node_timeout': '3' } });
    session = await login(env.authUrl, 'test:tester', 'testing');
    rings = await clusterRings(env.cluster.layout);
    expect((await api('/listed', { method: 'PUT' })).status).toBe(201);
  });

  afterAll(async () => {
    await env?.stop();
  });

  async function pendingsEverywhere(): Promise<number> {
    let count = 0;
    for (const node of env.cluster.layout.nodes) {
      for (const device of node.devices)
        count += (await listAsyncPendings(`${node.devicesRoot}/${device}`)).length;
    }
    return count;
  }

  it('completes every container replica once the updater replays the pendings', async () => {
    const layout = env.cluster.layout;
    const containerNodes = rings.container.getNodes('AUTH_test', 'listed').nodes;
    const down = layout.nodes.findIndex((n) => n.ports.container === containerNodes[0]!.port);
    await env.cluster.stopNode(down, 'SIGKILL');
    const written = new Map<string, string>();
    try {
      for (let i = 0; i < 40; i++) {
        const body = randomBytes(200 + i);
        expect((await api(`/listed/o${i}`, { method: 'PUT', body })).status).toBe(201);
        written.set(`o${i}`, md5(body));
      }
    } finally {
      await env.cluster.startNode(down);
    }
    const expected = [...written.keys()].sort();
    const before = await containerListings(rings, 'AUTH_test', 'listed');
    // The replica that was down missed every update; the others have them all.
    expect(before.filter((names) => names.length === expected.length)).toHaveLength(2);
    expect(before.some((names) => names.length === 0)).toBe(true);
    expect(await pendingsEverywhere()).toBeGreaterThan(0);

    let replayed = 0;
    for (const node of layout.nodes) {
      const stats = await runDaemon(layout, node.index, 'object-updater');
      expect(stats).toMatchObject({ failures: 0, quarantines: 0 });
      replayed += stats.successes!;
    }
    expect(replayed).toBeGreaterThanOrEqual(expected.length);
    expect(await pendingsEverywhere()).toBe(0);
    const after = await containerListings(rings, 'AUTH_test', 'listed');
    expect(after.map((names) => [...names].sort())).toEqual([expected, expected, expected]);

    // The account listing agrees once the container updater has run.
    for (const node of layout.nodes)
      expect(await runDaemon(layout, node.index, 'container-updater')).toMatchObject({
        failures: 0,
      });
    const account = JSON.parse((await api('?format=json')).text) as {
      name: string;
      count: number;
    }[];
    expect(account.find((c) => c.name === 'listed')?.count).toBe(expected.length);

    const listing = JSON.parse((await api('/listed?format=json')).text) as { name: string }[];
    expect(listing.map((o) => o.name).sort()).toEqual(expected);
    for (const [name, etag] of written) {
      const reply = await api(`/listed/${name}`);
      expect(reply.status, name).toBe(200);
      expect(md5(reply.body), name).toBe(etag);
    }
  }, 180_000);
});
