/**
 * The object updater and the container updater against real (in-process) container and
 * account servers: a server that is down is a refused connection, not a mock.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendPath, hostPort } from '../../../common/backend-url.js';
import { Timestamp } from '../../../common/timestamp.js';
import { listAsyncPendings, writeAsyncPending } from '../../../storage-node/async-pending.js';
import { ContainerUpdater } from '../../../storage-node/updater/container-updater.js';
import { ObjectUpdater } from '../../../storage-node/updater/object-updater.js';
import { http, ts } from '../../helpers/http.js';
import { startInProcessNodes, type InProcessNodes } from '../../helpers/in-process-nodes.js';

let nodes: InProcessNodes;

beforeAll(async () => {
  nodes = await startInProcessNodes(3);
  await nodes.startAll();
});

afterAll(async () => {
  await nodes?.close();
});

/** The node index serving `port`. */
const nodeOf = (port: number) =>
  nodes.layout.nodes.findIndex((n) => Object.values(n.ports).includes(port));

async function createAccount(account: string): Promise<void> {
  const { partition, nodes: primaries } = nodes.contexts[0]!.rings.account.getNodes(account);
  for (const node of primaries) {
    const reply = await http(
      `http://${hostPort(node.ip, node.port)}${backendPath(node.device, partition, account)}`,
      { method: 'PUT', headers: { 'X-Timestamp': ts() } },
    );
    expect(reply.status).toBe(201);
  }
}

async function createContainer(account: string, container: string): Promise<void> {
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
}

/** Each container replica's listing (names), read from its container server directly. */
async function listings(account: string, container: string): Promise<string[][]> {
  const { partition, nodes: primaries } = nodes.contexts[0]!.rings.container.getNodes(
    account,
    container,
  );
  return Promise.all(
    primaries.map(async (node) => {
      const reply = await http(
        `http://${hostPort(node.ip, node.port)}${backendPath(node.device, partition, account, container)}?format=json`,
      ).catch(() => undefined);
      if (!reply) return ['down'];
      return reply.status === 200
        ? (JSON.parse(reply.text) as { name: string }[]).map((o) => o.name)
        : [`status ${reply.status}`];
    }),
  );
}

/** An object server's listing update that reached no container replica. */
async function pendingPut(
  account: string,
  container: string,
  object: string,
  timestamp = Timestamp.now(),
): Promise<string> {
  const ctx = nodes.contexts[0]!;
  const hash = ctx.hasher.hashPath(account, container, object);
  const { partition, nodes: primaries } = ctx.rings.container.getNodes(account, container);
  return writeAsyncPending(nodes.devicePath(0), hash, timestamp.internal, {
    target: 'container',
    method: 'PUT',
    account,
    container,
    object,
    partition,
    headers: {
      'X-Timestamp': timestamp.internal,
      'X-Size': '5',
      'X-Content-Type': 'text/plain',
      'X-Etag': 'd41d8cd98f00b204e9800998ecf8427e',
    },
    nodes: primaries.slice(0, 1).map((n) => ({ host: hostPort(n.ip, n.port), device: n.device })),
  });
}

describe('ObjectUpdater', () => {
  it('keeps a pending while a container replica is down, then delivers it and deletes it', async () => {
    await createContainer('AUTH_u', 'c1');
    const path = await pendingPut('AUTH_u', 'c1', 'o1');
    const { nodes: primaries } = nodes.contexts[0]!.rings.container.getNodes('AUTH_u', 'c1');
    const down = nodeOf(primaries[1]!.port);
    await nodes.stop(down, 'container');
    const updater = new ObjectUpdater(nodes.contexts[0]!);
    try {
      const first = await updater.runOnce();
      expect(first).toMatchObject({ pendings: 1, successes: 0, failures: 1 });
      // Kept, with the replicas that took it recorded so the retry asks only the missing one.
      const kept = JSON.parse(await readFile(path, 'utf8')) as { successes: string[] };
      expect(kept.successes.sort()).toEqual(
        [primaries[0]!, primaries[2]!].map((n) => `${hostPort(n.ip, n.port)}/${n.device}`).sort(),
      );
      expect((await listings('AUTH_u', 'c1')).filter((l) => l.includes('o1'))).toHaveLength(2);
    } finally {
      await nodes.start(down, 'container');
    }
    const second = await updater.runOnce();
    expect(second).toMatchObject({ pendings: 1, successes: 1, failures: 0 });
    expect(await listAsyncPendings(nodes.devicePath(0))).toEqual([]);
    expect(await listings('AUTH_u', 'c1')).toEqual([['o1'], ['o1'], ['o1']]);
  });

  it('keeps retrying on 404 (no container database yet), as Swift', async () => {
    await pendingPut('AUTH_u', 'not-yet', 'o');
    const stats = await new ObjectUpdater(nodes.contexts[0]!).runOnce();
    expect(stats).toMatchObject({ pendings: 1, successes: 0, failures: 1 });
    await createContainer('AUTH_u', 'not-yet');
    expect(await new ObjectUpdater(nodes.contexts[0]!).runOnce()).toMatchObject({
      successes: 1,
      failures: 0,
    });
    expect(await listings('AUTH_u', 'not-yet')).toEqual([['o'], ['o'], ['o']]);
  });

  it('sends only the newest pending of an object and deletes the older ones', async () => {
    await createContainer('AUTH_u', 'c2');
    const older = Timestamp.now();
    await pendingPut('AUTH_u', 'c2', 'o2', older);
    const ctx = nodes.contexts[0]!;
    const newer = Timestamp.now();
    const { partition } = ctx.rings.container.getNodes('AUTH_u', 'c2');
    await writeAsyncPending(
      nodes.devicePath(0),
      ctx.hasher.hashPath('AUTH_u', 'c2', 'o2'),
      newer.internal,
      {
        target: 'container',
        method: 'DELETE',
        account: 'AUTH_u',
        container: 'c2',
        object: 'o2',
        partition,
        headers: { 'X-Timestamp': newer.internal },
        nodes: [],
      },
    );
    const stats = await new ObjectUpdater(ctx).runOnce();
    expect(stats).toMatchObject({ pendings: 1, unlinks: 1, successes: 1 });
    expect(await listings('AUTH_u', 'c2')).toEqual([[], [], []]);
  });

  it('quarantines a pending it cannot read', async () => {
    const path = await pendingPut('AUTH_u', 'c1', 'broken');
    await writeFile(path, '{"target": "container", "method"');
    const stats = await new ObjectUpdater(nodes.contexts[0]!).runOnce();
    expect(stats).toMatchObject({ quarantines: 1 });
    expect(await readdir(join(nodes.devicePath(0), 'quarantined', 'async_pending'))).toHaveLength(
      1,
    );
  });
});

describe('ContainerUpdater', () => {
  // Nodes of its own: reports the other tests' containers schedule must not land in this one.
  let shared: InProcessNodes;
  beforeAll(async () => {
    shared = nodes;
    nodes = await startInProcessNodes(3);
    await nodes.startAll();
  });
  afterAll(async () => {
    await nodes.close();
    nodes = shared;
  });

  it('sends the account servers the stats they missed, and marks them reported', async () => {
    await createAccount('AUTH_s');
    await createContainer('AUTH_s', 'stats');
    const { partition, nodes: containerNodes } = nodes.contexts[0]!.rings.container.getNodes(
      'AUTH_s',
      'stats',
    );
    const holder = nodeOf(containerNodes[0]!.port);
    const accountNodes = nodes.contexts[0]!.rings.account.getNodes('AUTH_s').nodes;
    // Every account server down while objects arrive: the container server's quick report fails.
    for (const node of accountNodes) await nodes.stop(nodeOf(node.port), 'account');
    const node = containerNodes[0]!;
    for (const name of ['a', 'b', 'c']) {
      const reply = await http(
        `http://${hostPort(node.ip, node.port)}${backendPath(node.device, partition, 'AUTH_s', 'stats', name)}`,
        {
          method: 'PUT',
          headers: {
            'X-Timestamp': ts(),
            'X-Size': '10',
            'X-Content-Type': 'text/plain',
            'X-Etag': 'e',
          },
        },
      );
      expect(reply.status).toBe(201);
    }
    await new Promise((resolve) => setTimeout(resolve, 400)); // the quick report tries and fails
    const updater = new ContainerUpdater(nodes.contexts[holder]!);
    expect(await updater.runOnce()).toMatchObject({ reported: 0, failures: 1 });
    for (const node of accountNodes) await nodes.start(nodeOf(node.port), 'account');
    // A fresh updater: the failed account was suppressed for 60 s in the last one.
    const stats = await new ContainerUpdater(nodes.contexts[holder]!).runOnce();
    expect(stats).toMatchObject({ reported: 1, failures: 0 });
    const { partition: accountPartition } = nodes.contexts[0]!.rings.account.getNodes('AUTH_s');
    for (const account of accountNodes) {
      const reply = await http(
        `http://${hostPort(account.ip, account.port)}${backendPath(account.device, accountPartition, 'AUTH_s')}?format=json`,
      );
      expect(JSON.parse(reply.text)).toEqual([
        expect.objectContaining({ name: 'stats', count: 3, bytes: 30 }),
      ]);
    }
    // Reported: nothing to send on the next pass.
    expect(await new ContainerUpdater(nodes.contexts[holder]!).runOnce()).toMatchObject({
      reported: 0,
      failures: 0,
    });
  });
});
