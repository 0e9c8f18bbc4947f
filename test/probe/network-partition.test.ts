/**
 * Probe: storage nodes on hosts of their own (network namespaces joined by a bridge). One
 * host's link is cut in the middle of an upload: the upload and the writes around it still
 * succeed on the other replicas, reads keep working, and after the link returns and the
 * replicators run every object is whole on all its primaries. Skips with a message where the
 * machine does not allow network namespaces (needs root and iproute2).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  login,
  startCluster,
  storageRequest,
  type Session,
  type TestCluster,
} from '../helpers/cluster.js';
import { http } from '../helpers/http.js';
import { createHosts, netnsAvailable, type Hosts } from '../helpers/netns.js';
import { clusterRings, replicaStatuses, runDaemonEverywhere } from '../helpers/probe.js';

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const allowed = netnsAvailable();
if (!allowed)
  console.warn(
    'Skipping the multi-host probe: this machine does not allow network namespaces (needs root and iproute2).',
  );

describe.skipIf(!allowed)('a host cut off mid-upload', () => {
  let hosts: Hosts;
  let env: TestCluster;
  let session: Session;
  const written = new Map<string, string>();
  const api = (path: string, options: Parameters<typeof http>[1] = {}) =>
    storageRequest(session, path, options);

  beforeAll(async () => {
    hosts = createHosts(4);
    env = await startCluster({
      nodeIps: hosts.ips,
      nodeCommandPrefix: (i) => hosts.prefixes[i]!,
      settings: {
        'object-replicator.interval': '0',
        'container-replicator.interval': '0',
        'account-replicator.interval': '0',
        'proxy.node_timeout': '2',
        'proxy.conn_timeout': '1',
        'proxy.error_suppression_limit': '1',
        'object.container_update_timeout': '0.5',
      },
    });
    session = await login(env.authUrl, 'test:tester', 'testing');
    expect((await api('/net', { method: 'PUT' })).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
    hosts?.remove();
  });

  it('keeps every acknowledged object when a host drops off during an upload', async () => {
    for (let i = 0; i < 20; i++) {
      const body = randomBytes(4096);
      expect((await api(`/net/before-${i}`, { method: 'PUT', body })).status).toBe(201);
      written.set(`before-${i}`, md5(body));
    }
    const rings = await clusterRings(env.cluster.layout);
    const { nodes } = rings.object.getNodes('AUTH_test', 'net', 'big');
    const victim = env.cluster.layout.nodes.findIndex((n) => n.ip === nodes[1]!.ip);

    // 8 MiB sent slowly; the victim's link goes down a third of the way in.
    const chunk = randomBytes(256 * 1024);
    const bigHash = createHash('md5');
    async function* slowBody() {
      for (let i = 0; i < 32; i++) {
        if (i === 10) hosts.setLink(victim, false);
        bigHash.update(chunk);
        yield chunk;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const big = await api('/net/big', {
      method: 'PUT',
      body: Readable.from(slowBody()),
      headers: { 'Content-Length': String(32 * chunk.length) },
    });
    expect(big.status).toBe(201);
    written.set('big', bigHash.digest('hex'));

    for (let i = 0; i < 20; i++) {
      const body = randomBytes(4096);
      expect((await api(`/net/during-${i}`, { method: 'PUT', body })).status).toBe(201);
      written.set(`during-${i}`, md5(body));
    }
    for (const [name, etag] of written)
      expect(md5((await api(`/net/${name}`)).body), name).toBe(etag);

    hosts.setLink(victim, true);
    await runDaemonEverywhere(env.cluster.layout, 'object-replicator');
    for (const [name, etag] of written) {
      expect(await replicaStatuses(rings, 'AUTH_test', 'net', name), name).toEqual([
        { status: 200, etag },
        { status: 200, etag },
        { status: 200, etag },
      ]);
      expect(md5((await api(`/net/${name}`)).body), name).toBe(etag);
    }
  }, 180_000);
});
