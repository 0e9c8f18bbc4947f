/**
 * Probe: grow the cluster. A fourth storage node joins the rings and they are rebalanced while
 * clients keep reading; after one replication pass every object sits on its new primaries,
 * the old holders kept nothing they no longer own, and no read failed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNodeToRings } from '../../local-cluster/setup.js';
import { login, startCluster, type Session, type TestCluster } from '../helpers/cluster.js';
import { http } from '../helpers/http.js';
import {
  clusterRings,
  handoffPartitions,
  replicaStatuses,
  runDaemonEverywhere,
} from '../helpers/probe.js';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

describe('adding a storage node', () => {
  let env: TestCluster;
  let session: Session;
  const written = new Map<string, string>();
  const get = (name: string) =>
    http(`${session.storageUrl}/grow/${name}`, { headers: { 'X-Auth-Token': session.token } });

  beforeAll(async () => {
    env = await startCluster({
      nodes: 4,
      ringNodes: 3,
      settings: {
        'object-replicator.interval': '0',
        'container-replicator.interval': '0',
        'account-replicator.interval': '0',
        'DEFAULT.ring_check_interval': '1',
        'proxy.ring_check_interval': '1',
      },
    });
    session = await login(env.authUrl, 'test:tester', 'testing');
    await http(`${session.storageUrl}/grow`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': session.token },
    });
    for (let i = 0; i < 200; i++) {
      const body = randomBytes(500);
      const reply = await http(`${session.storageUrl}/grow/o${i}`, {
        method: 'PUT',
        body,
        headers: { 'X-Auth-Token': session.token },
      });
      expect(reply.status).toBe(201);
      written.set(`o${i}`, md5(body));
    }
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('moves partitions to the new node, loses nothing and keeps serving reads', async () => {
    const names = [...written.keys()];
    let reading = true;
    let reads = 0;
    const failures: string[] = [];
    const reader = (async () => {
      while (reading) {
        const name = names[reads++ % names.length]!;
        const reply = await get(name).catch(() => undefined);
        if (reply?.status !== 200 || md5(reply.body) !== written.get(name))
          failures.push(`${name}: ${reply?.status ?? 'error'}`);
      }
    })();

    await addNodeToRings(env.cluster.layout, 3);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // every process reloads its rings
    await runDaemonEverywhere(env.cluster.layout, 'object-replicator');
    reading = false;
    await reader;

    const rings = await clusterRings(env.cluster.layout);
    expect(rings.object.devices).toHaveLength(4);
    let onNewNode = 0;
    for (const [name, etag] of written) {
      expect(await replicaStatuses(rings, 'AUTH_test', 'grow', name), name).toEqual([
        { status: 200, etag },
        { status: 200, etag },
        { status: 200, etag },
      ]);
      const { nodes } = rings.object.getNodes('AUTH_test', 'grow', name);
      if (nodes.some((n) => n.port === env.cluster.layout.nodes[3]!.ports.object)) onNewNode++;
    }
    expect(onNewNode).toBeGreaterThan(0);
    expect(await handoffPartitions(env.cluster.layout, rings)).toEqual([]);
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    for (const [name, etag] of written) expect(md5((await get(name)).body)).toBe(etag);
  }, 180_000);
});
