/**
 * Probe: bit rot. One replica's data file is overwritten with other bytes of the same size
 * (only an MD5 can tell); the auditor, run on that node with its default rates through the
 * CLI as an operator would, quarantines it; reads keep returning the right bytes from the
 * other replicas; the object replicator puts a good copy back.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPathHasher, type ClusterRings } from '../../common/cluster-config.js';
import type { PathHasher } from '../../common/hash.js';
import {
  login,
  startCluster,
  storageRequest,
  type Session,
  type TestCluster,
} from '../helpers/cluster.js';
import { http } from '../helpers/http.js';
import { clusterRings, runDaemon, runDaemonEverywhere } from '../helpers/probe.js';
import { DAEMONS_OFF, filesIn, md5, objectPlaces, replicaMd5s } from '../helpers/probe-disk.js';

describe('auditor probe', () => {
  let env: TestCluster;
  let session: Session;
  let rings: ClusterRings;
  let hasher: PathHasher;
  const api = (path: string, options: Parameters<typeof http>[1] = {}) =>
    storageRequest(session, path, options);

  beforeAll(async () => {
    env = await startCluster({ settings: { ...DAEMONS_OFF, 'proxy.node_timeout': '3' } });
    session = await login(env.authUrl, 'test:tester', 'testing');
    rings = await clusterRings(env.cluster.layout);
    hasher = await loadPathHasher(env.cluster.layout.swiftDir);
    expect((await api('/audited', { method: 'PUT' })).status).toBe(201);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('quarantines a rotten replica, serves the good ones meanwhile, and replication restores it', async () => {
    const written = new Map<string, string>();
    for (let i = 0; i < 12; i++) {
      // Small objects and ones above the object server's 64 KiB whole-read limit.
      const body = randomBytes(i % 3 === 0 ? 300_000 + i : 1000 + i * 37);
      expect((await api(`/audited/o${i}`, { method: 'PUT', body })).status).toBe(201);
      written.set(`o${i}`, md5(body));
    }
    const layout = env.cluster.layout;
    const places = objectPlaces(layout, rings, hasher, 'AUTH_test', 'audited', 'o3');
    expect(await replicaMd5s(places)).toEqual([
      written.get('o3'),
      written.get('o3'),
      written.get('o3'),
    ]);
    const victim = places[1]!;
    const [dataName] = (await filesIn(victim.hashDir)).filter((f) => f.endsWith('.data'));
    const dataFile = join(victim.hashDir, dataName!);
    const size = (await stat(dataFile)).size;
    const handle = await open(dataFile, 'r+');
    await handle.write(randomBytes(4096), 0, 4096, 100_000);
    await handle.close();
    expect((await stat(dataFile)).size).toBe(size);

    const stats = await runDaemon(layout, victim.node, 'object-auditor');
    expect(stats).toMatchObject({
      quarantined: 1,
      errors: 0,
      failures: 0,
      databasesQuarantined: 0,
    });
    expect(stats.files).toBeGreaterThanOrEqual(3);
    // Every account and container database on that node was audited too (which databases a
    // node holds depends on the cluster's random hash suffix: count them rather than assume).
    const databases = (
      await readdir(layout.nodes[victim.node]!.devicesRoot, { recursive: true })
    ).filter((name) => /(^|\/)(accounts|containers)\/.*\.db$/.test(name));
    expect(stats.databases).toBe(databases.length);
    const quarantineDir = join(
      layout.nodes[victim.node]!.devicesRoot,
      'sdb1',
      'quarantined',
      'objects',
    );
    const [moved] = await readdir(quarantineDir);
    expect(moved!.startsWith(victim.hashDir.split('/').at(-1)!)).toBe(true);
    expect(await filesIn(join(quarantineDir, moved!))).toContain(dataName);
    expect(await filesIn(victim.hashDir)).toEqual([]);

    // Meanwhile the proxy serves the right bytes from the other replicas.
    for (let i = 0; i < 3; i++) {
      const reply = await api('/audited/o3');
      expect(reply.status).toBe(200);
      expect(md5(reply.body)).toBe(written.get('o3'));
    }

    await runDaemonEverywhere(layout, 'object-replicator');
    expect(await replicaMd5s(places)).toEqual([
      written.get('o3'),
      written.get('o3'),
      written.get('o3'),
    ]);
    // The restored copy passes the next audit.
    expect(await runDaemon(layout, victim.node, 'object-auditor')).toMatchObject({
      quarantined: 0,
      failures: 0,
    });

    for (const [name, etag] of written) {
      const reply = await api(`/audited/${name}`);
      expect(reply.status, name).toBe(200);
      expect(md5(reply.body), name).toBe(etag);
    }
  }, 180_000);
});
