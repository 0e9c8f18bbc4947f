#!/usr/bin/env node
/**
 * `stratus-status`: the cluster at a glance, like swift-recon and swift-dispersion-report.
 *
 *   node dist/ops/status.js --swift-dir /etc/stratus
 *       [--auth-url http://proxy:8080/auth/v1.0 --user acct:user --key secret [--objects 100]]
 *
 * Asks every storage node in the rings for its state (GET /recon): when each daemon last ran
 * and how long it took, partitions out of sync, async pendings, quarantined items, free space.
 * With credentials it also reports dispersion: it keeps `--objects` small objects in the
 * container `dispersion_objects` (creating them the first time, spread over partitions) and
 * checks each one directly on every primary, reporting the share with all replicas in place.
 */
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { backendPath, hostPort } from '../common/backend-url.js';
import { loadPathHasher, loadRings, type ClusterRings } from '../common/cluster-config.js';
import { describeError } from '../common/errors.js';

interface DeviceState {
  device: string;
  asyncPendings: number;
  quarantined: Record<string, number>;
  freeBytes: number;
  totalBytes: number;
}

interface NodeState {
  time: number;
  devices: DeviceState[];
  daemons: Record<
    string,
    { startedAt?: number; durationSeconds?: number; outOfSync?: number; failures?: number } | null
  >;
}

const USAGE =
  'usage: stratus-status --swift-dir <dir> [--auth-url <url> --user <a:u> --key <key> [--objects N]]';

async function getJson<T>(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T | undefined; headers: Record<string, unknown> }> {
  const response = await request(url, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await response.body.text();
  const ok = response.statusCode >= 200 && response.statusCode < 300 && text !== '';
  return {
    status: response.statusCode,
    headers: response.headers,
    body: ok ? (JSON.parse(text) as T) : undefined,
  };
}

function ago(seconds: number | undefined): string {
  if (seconds === undefined) return 'never';
  const delta = Math.max(0, Date.now() / 1000 - seconds);
  return delta < 120 ? `${delta.toFixed(0)} s ago` : `${(delta / 60).toFixed(0)} min ago`;
}

async function nodeReport(rings: ClusterRings): Promise<number> {
  const hosts = [...new Set(rings.object.devices.map((dev) => hostPort(dev.ip, dev.port)))];
  let unreachable = 0;
  console.log(`Storage nodes (${hosts.length}):`);
  for (const host of hosts) {
    try {
      const { body: state } = await getJson<NodeState>(`http://${host}/recon`);
      if (!state) throw new Error('empty answer');
      const pendings = state.devices.reduce((sum, d) => sum + d.asyncPendings, 0);
      const quarantined = state.devices.reduce(
        (sum, d) => sum + Object.values(d.quarantined).reduce((a, b) => a + b, 0),
        0,
      );
      console.log(
        `  ${host}: ${state.devices.length} devices, ${pendings} async pendings, ${quarantined} quarantined`,
      );
      for (const device of state.devices) {
        const used =
          device.totalBytes > 0
            ? (100 * (1 - device.freeBytes / device.totalBytes)).toFixed(1)
            : '?';
        console.log(
          `    ${device.device}: ${used}% used, quarantined ${JSON.stringify(device.quarantined)}`,
        );
      }
      for (const [name, pass] of Object.entries(state.daemons)) {
        const detail = pass
          ? `last pass ${ago(pass.startedAt)}, took ${pass.durationSeconds?.toFixed(1) ?? '?'} s` +
            (pass.outOfSync !== undefined ? `, ${pass.outOfSync} out of sync` : '') +
            (pass.failures ? `, ${pass.failures} failures` : '')
          : 'no pass since start';
        console.log(`    ${name}: ${detail}`);
      }
    } catch (err) {
      unreachable++;
      console.log(`  ${host}: UNREACHABLE (${describeError(err)}) — check the process and its log`);
    }
  }
  return unreachable;
}

async function dispersionReport(
  rings: ClusterRings,
  authUrl: string,
  user: string,
  key: string,
  count: number,
): Promise<void> {
  const auth = await request(authUrl, { headers: { 'X-Auth-User': user, 'X-Auth-Key': key } });
  await auth.body.dump();
  if (auth.statusCode !== 200) throw new Error(`login as ${user} failed with ${auth.statusCode}`);
  const token = String(auth.headers['x-auth-token']);
  const storageUrl = String(auth.headers['x-storage-url']);
  const account = decodeURIComponent(new URL(storageUrl).pathname.split('/')[2] ?? '');
  const container = 'dispersion_objects';
  const headers = { 'X-Auth-Token': token };
  const listing = await getJson<{ name: string }[]>(
    `${storageUrl}/${container}?format=json`,
    headers,
  );
  let names = (listing.body ?? []).map((entry) => entry.name);
  if (listing.status === 404 || names.length < count) {
    await (await request(`${storageUrl}/${container}`, { method: 'PUT', headers })).body.dump();
    // One object per partition where possible, so the sample covers the ring evenly.
    const seen = new Set(names.map((name) => rings.object.getPartition(account, container, name)));
    for (let i = 0; names.length < count && i < count * 50; i++) {
      const name = `dispersion_${i}`;
      const partition = rings.object.getPartition(account, container, name);
      if (seen.has(partition) && seen.size < rings.object.partitionCount) continue;
      seen.add(partition);
      const put = await request(`${storageUrl}/${container}/${name}`, {
        method: 'PUT',
        headers,
        body: name,
      });
      await put.body.dump();
      if (put.statusCode === 201) names.push(name);
    }
    console.log(`Placed ${names.length} dispersion objects in ${account}/${container}.`);
  }
  names = names.slice(0, count);
  const found = new Map<number, number>();
  for (const name of names) {
    const { partition, nodes } = rings.object.getNodes(account, container, name);
    let copies = 0;
    for (const node of nodes) {
      try {
        const head = await request(
          `http://${hostPort(node.ip, node.port)}${backendPath(node.device, partition, account, container, name)}`,
          { method: 'HEAD', signal: AbortSignal.timeout(5000) },
        );
        await head.body.dump();
        if (head.statusCode === 200) copies++;
      } catch {
        // an unreachable replica counts as missing
      }
    }
    found.set(copies, (found.get(copies) ?? 0) + 1);
  }
  const replicas = Math.ceil(rings.object.replicaCount);
  const complete = found.get(replicas) ?? 0;
  console.log(
    `Object dispersion: ${((100 * complete) / Math.max(1, names.length)).toFixed(2)}% of ${names.length} objects have all ${replicas} replicas in place`,
  );
  for (let copies = replicas - 1; copies >= 0; copies--) {
    if (found.get(copies))
      console.log(`  ${found.get(copies)} objects with ${copies} of ${replicas} replicas`);
  }
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'swift-dir': { type: 'string' },
        'auth-url': { type: 'string' },
        user: { type: 'string' },
        key: { type: 'string' },
        objects: { type: 'string', default: '100' },
      },
    }));
  } catch (err) {
    console.error(`${describeError(err)}\n${USAGE}`);
    process.exit(2);
  }
  if (!values['swift-dir']) {
    console.error(USAGE);
    process.exit(2);
  }
  const swiftDir = values['swift-dir'];
  const rings = loadRings(swiftDir, await loadPathHasher(swiftDir));
  const unreachable = await nodeReport(rings);
  if (values['auth-url'] && values.user && values.key) {
    await dispersionReport(
      rings,
      values['auth-url'],
      values.user,
      values.key,
      Math.max(1, Number(values.objects)),
    );
  }
  if (unreachable > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`stratus-status: ${describeError(err)}`);
  process.exit(1);
});
