/**
 * The expiry queue (names, what the object server records) and the expirer against real
 * (in-process) object and container servers.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendPath, hostPort } from '../../../common/backend-url.js';
import { Timestamp } from '../../../common/timestamp.js';
import { ObjectExpirer, containerUpdateHeaders } from '../../../storage-node/expirer/expirer.js';
import {
  bucketOf,
  entryPath,
  parseDeleteAt,
  queueExpiry,
} from '../../../storage-node/expirer/queue.js';
import { http, ts } from '../../helpers/http.js';
import { startInProcessNodes, type InProcessNodes } from '../../helpers/in-process-nodes.js';

describe('expiry queue names', () => {
  it('files an entry under the hour of its time, named <hash>-<delete_at>', () => {
    expect(bucketOf(1_700_000_000)).toBe(1_699_999_200);
    expect(bucketOf(1_699_999_200)).toBe(1_699_999_200);
    expect(entryPath('/srv/node/sdb1', '0123456789abcdef', 1_700_000_000)).toBe(
      '/srv/node/sdb1/expiring/1699999200/0123456789abcdef-1700000000',
    );
  });

  it('reads X-Delete-At as whole seconds, leading zeros and all', () => {
    expect(parseDeleteAt('0001700000000')).toBe(1_700_000_000);
    expect(parseDeleteAt(undefined)).toBeUndefined();
    expect(parseDeleteAt('soon')).toBeUndefined();
  });

  it('shares the listing replicas out among the data replicas as the proxy does', () => {
    const dev = (port: number) => ({
      id: port,
      region: 1,
      zone: 1,
      ip: '10.0.0.1',
      port,
      replicationIp: '10.0.0.1',
      replicationPort: port,
      device: 'sdb',
      weight: 1,
      meta: '',
    });
    const listing = [dev(1), dev(2), dev(3)];
    expect(containerUpdateHeaders(7, listing, 1, 3)).toEqual({
      'X-Container-Host': '10.0.0.1:2',
      'X-Container-Device': 'sdb',
      'X-Container-Partition': '7',
    });
    expect(containerUpdateHeaders(7, listing, 0, 2)['X-Container-Host']).toBe(
      '10.0.0.1:1,10.0.0.1:3',
    );
    expect(containerUpdateHeaders(7, listing.slice(0, 1), 2, 3)['X-Container-Host']).toBe(
      '10.0.0.1:1',
    );
  });
});

describe('expirer with object servers', () => {
  let nodes: InProcessNodes;
  const account = 'AUTH_x';
  const container = 'c';

  beforeAll(async () => {
    nodes = await startInProcessNodes(3);
    await nodes.startAll();
    const { partition, nodes: primaries } = nodes.contexts[0]!.rings.container.getNodes(
      account,
      container,
    );
    for (const node of primaries) {
      const reply = await http(
        `http://${hostPort(node.ip, node.port)}${backendPath(node.device, partition, account, container)}`,
        { method: 'PUT', headers: { 'X-Timestamp': ts() } },
      );
      expect(reply.status).toBe(201);
    }
  });

  afterAll(async () => {
    await nodes?.close();
  });

  const ctx = () => nodes.contexts[0]!;
  const nodeOf = (port: number) =>
    nodes.layout.nodes.findIndex((n) => Object.values(n.ports).includes(port));

  function placement(object: string) {
    const { partition, nodes: primaries } = ctx().rings.object.getNodes(account, container, object);
    const hash = ctx().hasher.hashPath(account, container, object);
    return {
      hash,
      primaries: primaries.map((node) => ({
        node,
        index: nodeOf(node.port),
        url: `http://${hostPort(node.ip, node.port)}${backendPath(node.device, partition, account, container, object)}`,
        hashDir: join(
          nodes.devicePath(nodeOf(node.port)),
          'objects',
          String(partition),
          hash.slice(-3),
          hash,
        ),
      })),
    };
  }

  /** Entries queued on a node's device. */
  async function queued(index: number): Promise<string[]> {
    const root = join(nodes.devicePath(index), 'expiring');
    const found: string[] = [];
    for (const bucket of await readdir(root).catch(() => [] as string[])) {
      for (const name of await readdir(join(root, bucket)).catch(() => [] as string[]))
        if (!name.startsWith('.')) found.push(`${bucket}/${name}`);
    }
    return found;
  }

  async function listing(): Promise<string[][]> {
    const { partition, nodes: primaries } = ctx().rings.container.getNodes(account, container);
    return Promise.all(
      primaries.map(async (node) => {
        const reply = await http(
          `http://${hostPort(node.ip, node.port)}${backendPath(node.device, partition, account, container)}?format=json`,
        );
        return (JSON.parse(reply.text) as { name: string }[]).map((o) => o.name);
      }),
    );
  }

  it('the object server queues X-Delete-At on PUT, moves it on POST, and unqueues it on DELETE', async () => {
    const { hash, primaries } = placement('tracked');
    const { url, index } = primaries[0]!;
    const at = Math.floor(Date.now() / 1000) + 1000;
    expect(
      (
        await http(url, {
          method: 'PUT',
          body: 'x',
          headers: { 'X-Timestamp': ts(), 'Content-Type': 'text/plain', 'X-Delete-At': String(at) },
        })
      ).status,
    ).toBe(201);
    expect(await queued(index)).toEqual([`${bucketOf(at)}/${hash}-${at}`]);
    expect(
      JSON.parse(await readFile(entryPath(nodes.devicePath(index), hash, at), 'utf8')),
    ).toEqual({
      name: `/${account}/${container}/tracked`,
      partition: ctx().rings.object.getPartition(account, container, 'tracked'),
      delete_at: at,
    });
    const later = at + 7200;
    expect(
      (
        await http(url, {
          method: 'POST',
          headers: { 'X-Timestamp': ts(), 'X-Delete-At': String(later) },
        })
      ).status,
    ).toBe(202);
    expect(await queued(index)).toEqual([`${bucketOf(later)}/${hash}-${later}`]);
    // A POST without X-Delete-At removes the expiry, and its entry.
    expect((await http(url, { method: 'POST', headers: { 'X-Timestamp': ts() } })).status).toBe(
      202,
    );
    expect(await queued(index)).toEqual([]);
    expect(
      (
        await http(url, {
          method: 'POST',
          headers: { 'X-Timestamp': ts(), 'X-Delete-At': String(at) },
        })
      ).status,
    ).toBe(202);
    expect((await http(url, { method: 'DELETE', headers: { 'X-Timestamp': ts() } })).status).toBe(
      204,
    );
    expect(await queued(index)).toEqual([]);
  });

  /**
   * An object that expired a few seconds ago on every primary, listed in the container: written
   * as replication writes it (a replicated copy may carry a past X-Delete-At), listed directly.
   */
  async function expiredObject(
    object: string,
    deleteAt: number,
  ): Promise<ReturnType<typeof placement>> {
    const place = placement(object);
    const written = Timestamp.fromSeconds(deleteAt - 10).internal;
    for (const { url } of place.primaries) {
      const reply = await http(url, {
        method: 'PUT',
        body: 'short-lived',
        headers: {
          'X-Timestamp': written,
          'Content-Type': 'text/plain',
          'X-Delete-At': String(deleteAt),
          'X-Backend-Replication': 'true',
        },
      });
      expect(reply.status).toBe(201);
    }
    const { partition, nodes: primaries } = ctx().rings.container.getNodes(account, container);
    for (const node of primaries) {
      const reply = await http(
        `http://${hostPort(node.ip, node.port)}${backendPath(node.device, partition, account, container, object)}`,
        {
          method: 'PUT',
          headers: {
            'X-Timestamp': written,
            'X-Size': '11',
            'X-Content-Type': 'text/plain',
            'X-Etag': 'e',
          },
        },
      );
      expect(reply.status).toBe(201);
    }
    return place;
  }

  it('deletes an expired object on every primary with the expiry time as tombstone, and from every listing', async () => {
    const deleteAt = Math.floor(Date.now() / 1000) - 5;
    const { hash, primaries } = await expiredObject('expired', deleteAt);
    for (const { index } of primaries)
      expect(await queued(index)).toContain(`${bucketOf(deleteAt)}/${hash}-${deleteAt}`);
    expect((await listing()).every((names) => names.includes('expired'))).toBe(true);

    const expirer = primaries[0]!.index;
    const stats = await new ObjectExpirer(nodes.contexts[expirer]!).runOnce();
    expect(stats).toMatchObject({ due: 1, expired: 1, failures: 0 });
    const tombstone = `${Timestamp.fromSeconds(deleteAt).internal}.ts`;
    for (const { hashDir } of primaries) expect(await readdir(hashDir)).toEqual([tombstone]);
    expect((await listing()).some((names) => names.includes('expired'))).toBe(false);
    // Every replica's entry went with its object: the other nodes' expirers have nothing to do.
    for (const { index } of primaries) expect(await queued(index)).toEqual([]);
    for (const { index } of primaries.slice(1)) {
      expect(await new ObjectExpirer(nodes.contexts[index]!).runOnce()).toMatchObject({
        due: 0,
        failures: 0,
      });
    }
  });

  it('drops the entry of an object whose X-Delete-At changed since (412), leaving the object', async () => {
    const { hash, primaries } = placement('moved');
    const future = Math.floor(Date.now() / 1000) + 3600;
    for (const { url } of primaries) {
      const reply = await http(url, {
        method: 'PUT',
        body: 'kept',
        headers: {
          'X-Timestamp': ts(),
          'Content-Type': 'text/plain',
          'X-Delete-At': String(future),
        },
      });
      expect(reply.status).toBe(201);
    }
    const node = primaries[0]!.index;
    const stale = Math.floor(Date.now() / 1000) - 5; // a time the object no longer has
    await queueExpiry(nodes.devicePath(node), hash, {
      name: `/${account}/${container}/moved`,
      partition: 0,
      deleteAt: stale,
    });
    const stats = await new ObjectExpirer(nodes.contexts[node]!).runOnce();
    expect(stats).toMatchObject({ due: 1, stale: 1, expired: 0, failures: 0 });
    await expect(stat(entryPath(nodes.devicePath(node), hash, stale))).rejects.toThrow();
    for (const { url } of primaries) expect((await http(url)).text).toBe('kept');
    expect(await queued(node)).toEqual([`${bucketOf(future)}/${hash}-${future}`]);
  });

  it('keeps the entry while a primary is down, and finishes once it is back', async () => {
    const deleteAt = Math.floor(Date.now() / 1000) - 5;
    const { hash, primaries } = await expiredObject('patient', deleteAt);
    const runner = primaries[0]!.index;
    const down = primaries[2]!.index;
    await nodes.stop(down, 'object');
    try {
      const stats = await new ObjectExpirer(nodes.contexts[runner]!).runOnce();
      expect(stats).toMatchObject({ due: 1, expired: 0, failures: 1 });
      // Its own replica is deleted (and its entry with it), the down node still has its entry.
      expect(await queued(down)).toContain(`${bucketOf(deleteAt)}/${hash}-${deleteAt}`);
    } finally {
      await nodes.start(down, 'object');
    }
    // The down node's own expirer finishes the job when it is back.
    expect(await new ObjectExpirer(nodes.contexts[down]!).runOnce()).toMatchObject({
      due: 1,
      expired: 1,
      failures: 0,
    });
    const tombstone = `${Timestamp.fromSeconds(deleteAt).internal}.ts`;
    for (const { hashDir } of primaries) expect(await readdir(hashDir)).toEqual([tombstone]);
  });
});
