/**
 * Probe: expiring objects. An object PUT with X-Delete-After reads as 404 once its time has
 * passed but stays on disk and in the listing until the expirer, run through the CLI on every
 * node, deletes it: then every primary holds the same tombstone (timestamped with the expiry
 * time) and no container replica lists it. Objects that have not expired are untouched.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPathHasher, type ClusterRings } from '../../common/cluster-config.js';
import type { PathHasher } from '../../common/hash.js';
import { Timestamp } from '../../common/timestamp.js';
import {
  login,
  startCluster,
  storageRequest,
  type Session,
  type TestCluster,
} from '../helpers/cluster.js';
import { http } from '../helpers/http.js';
import { clusterRings, runDaemon } from '../helpers/probe.js';
import {
  containerListings,
  DAEMONS_OFF,
  filesIn,
  md5,
  objectPlaces,
} from '../helpers/probe-disk.js';

describe('expirer probe', () => {
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
    expect((await api('/brief', { method: 'PUT' })).status).toBe(201);
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('removes an expired object from disk on every primary and from every listing', async () => {
    const layout = env.cluster.layout;
    const written = new Map<string, string>();
    for (const [name, headers] of [
      ['ephemeral', { 'X-Delete-After': '2' }],
      ['lasting', { 'X-Delete-After': '3600' }],
      ['plain', {}],
    ] as const) {
      const body = randomBytes(2000);
      expect((await api(`/brief/${name}`, { method: 'PUT', body, headers })).status).toBe(201);
      written.set(name, md5(body));
    }
    const deleteAt = Number(
      (await api('/brief/ephemeral', { method: 'HEAD' })).headers['x-delete-at'],
    );
    expect(deleteAt).toBeGreaterThan(Date.now() / 1000);
    while (Date.now() / 1000 < deleteAt + 0.2)
      await new Promise((resolve) => setTimeout(resolve, 100));

    // Expired: reads say so at once, but the bytes and the listing entry are still there.
    expect((await api('/brief/ephemeral')).status).toBe(404);
    const places = objectPlaces(layout, rings, hasher, 'AUTH_test', 'brief', 'ephemeral');
    for (const { hashDir } of places)
      expect((await filesIn(hashDir)).some((f) => f.endsWith('.data'))).toBe(true);
    expect(
      (await containerListings(rings, 'AUTH_test', 'brief')).every((names) =>
        names.includes('ephemeral'),
      ),
    ).toBe(true);

    let expired = 0;
    for (const node of layout.nodes) {
      const stats = await runDaemon(layout, node.index, 'object-expirer');
      expect(stats).toMatchObject({ failures: 0, abandoned: 0 });
      expired += stats.expired!;
    }
    expect(expired).toBe(1); // one expirer did it for every replica; the others found their entries gone

    const tombstone = `${Timestamp.fromSeconds(deleteAt).internal}.ts`;
    for (const { hashDir } of places) expect(await filesIn(hashDir)).toEqual([tombstone]);
    expect(await containerListings(rings, 'AUTH_test', 'brief')).toEqual([
      ['lasting', 'plain'],
      ['lasting', 'plain'],
      ['lasting', 'plain'],
    ]);
    // A second round has nothing left to do.
    for (const node of layout.nodes)
      expect(await runDaemon(layout, node.index, 'object-expirer')).toMatchObject({
        due: 0,
        failures: 0,
      });

    written.delete('ephemeral');
    for (const [name, etag] of written) {
      const reply = await api(`/brief/${name}`);
      expect(reply.status, name).toBe(200);
      expect(md5(reply.body), name).toBe(etag);
    }
  }, 120_000);
});
