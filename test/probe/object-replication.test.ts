/**
 * Probes: break a node for real, keep writing, bring it back, run the replicators, and check
 * that nothing acknowledged was lost, every replica is back on its primaries and no deleted
 * object came back.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterRings } from '../../common/cluster-config.js';
import {
  login,
  startCluster,
  storageRequest,
  type Session,
  type TestCluster,
} from '../helpers/cluster.js';
import { http } from '../helpers/http.js';
import {
  clusterRings,
  handoffPartitions,
  replicaStatuses,
  runDaemonEverywhere,
} from '../helpers/probe.js';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

describe('object replication probes', () => {
  let env: TestCluster;
  let session: Session;
  let rings: ClusterRings;
  const api = (path: string, options: Parameters<typeof http>[1] = {}) =>
    storageRequest(session, path, options);

  beforeAll(async () => {
    env = await startCluster({
      settings: { 'object-replicator.interval': '0', 'proxy.node_timeout': '3' },
    });
    session = await login(env.authUrl, 'test:tester', 'testing');
    rings = await clusterRings(env.cluster.layout);
    expect((await api('/probe', { method: 'PUT' })).status).toBe(201);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('restores every replica of 500 objects written while a node was down, and empties handoffs', async () => {
    await env.cluster.stopNode(2, 'SIGKILL');
    const written = new Map<string, string>();
    for (let i = 0; i < 500; i++) {
      const body = randomBytes(256 + (i % 7) * 100);
      const reply = await api(`/probe/o${i}`, { method: 'PUT', body });
      expect(reply.status).toBe(201);
      written.set(`o${i}`, md5(body));
    }
    await env.cluster.startNode(2);
    expect((await handoffPartitions(env.cluster.layout, rings)).length).toBeGreaterThan(0);
    await runDaemonEverywhere(env.cluster.layout, 'object-replicator');
    for (const [name, etag] of written) {
      const replicas = await replicaStatuses(rings, 'AUTH_test', 'probe', name);
      expect(replicas, name).toEqual([
        { status: 200, etag },
        { status: 200, etag },
        { status: 200, etag },
      ]);
    }
    expect(await handoffPartitions(env.cluster.layout, rings)).toEqual([]);
    for (const [name, etag] of written) {
      const reply = await api(`/probe/${name}`);
      expect(reply.status).toBe(200);
      expect(md5(reply.body)).toBe(etag);
    }
  }, 180_000);

  it('does not bring back an object deleted while one of its replicas was down', async () => {
    const body = randomBytes(1000);
    expect((await api('/probe/doomed', { method: 'PUT', body })).status).toBe(201);
    const { nodes } = rings.object.getNodes('AUTH_test', 'probe', 'doomed');
    // A primary that really holds a copy (the proxy may still avoid a node it saw die).
    const holding = (await replicaStatuses(rings, 'AUTH_test', 'probe', 'doomed')).findIndex(
      (r) => r.status === 200,
    );
    const down = env.cluster.layout.nodes.findIndex((n) => n.ports.object === nodes[holding]!.port);
    await env.cluster.stopNode(down, 'SIGKILL');
    expect((await api('/probe/doomed', { method: 'DELETE' })).status).toBe(204);
    await env.cluster.startNode(down);
    // The returning node still holds the old copy...
    expect((await replicaStatuses(rings, 'AUTH_test', 'probe', 'doomed'))[holding]!.status).toBe(
      200,
    );
    await runDaemonEverywhere(env.cluster.layout, 'object-replicator');
    // ...until replication spreads the tombstone to it.
    const replicas = await replicaStatuses(rings, 'AUTH_test', 'probe', 'doomed');
    expect(replicas.map((r) => r.status)).toEqual([404, 404, 404]);
    expect((await api('/probe/doomed')).status).toBe(404);
    expect(await handoffPartitions(env.cluster.layout, rings)).toEqual([]);
  }, 120_000);
});
