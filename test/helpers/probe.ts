/**
 * Probe-test helpers: run a daemon pass on a node as an operator would (the real CLI), look
 * at replicas directly on the storage nodes, and find leftovers on handoff devices.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { request } from 'undici';
import { backendPath } from '../../common/backend-url.js';
import { loadPathHasher, loadRings, type ClusterRings } from '../../common/cluster-config.js';
import type { ClusterLayout } from '../../local-cluster/layout.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../dist/storage-node/cli.js', import.meta.url));

/** One pass of `daemon` on node `index`, through the storage-node CLI. */
export async function runDaemon(
  layout: ClusterLayout,
  index: number,
  daemon: string,
): Promise<Record<string, number>> {
  try {
    const node = layout.nodes[index]!;
    // Run where the node runs (its network namespace, if it has one): it finds its devices by address.
    const [command, ...args] = [
      ...node.commandPrefix,
      process.execPath,
      CLI,
      node.confPath,
      daemon,
    ];
    const { stdout } = await run(command, args, { timeout: 120_000 });
    return JSON.parse(stdout) as Record<string, number>;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${daemon} on node ${index + 1} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
      { cause: err },
    );
  }
}

/** One pass of `daemon` on every node, one node after the other. */
export async function runDaemonEverywhere(layout: ClusterLayout, daemon: string): Promise<void> {
  for (const node of layout.nodes) await runDaemon(layout, node.index, daemon);
}

export async function clusterRings(layout: ClusterLayout): Promise<ClusterRings> {
  return loadRings(layout.swiftDir, await loadPathHasher(layout.swiftDir));
}

/** Status of a HEAD for the object on each of its primary object servers. */
export async function replicaStatuses(
  rings: ClusterRings,
  account: string,
  container: string,
  object: string,
): Promise<{ status: number; etag?: string }[]> {
  const { partition, nodes } = rings.object.getNodes(account, container, object);
  return Promise.all(
    nodes.map(async (node) => {
      try {
        const response = await request(
          `http://${node.ip}:${node.port}${backendPath(node.device, partition, account, container, object)}`,
          { method: 'HEAD' },
        );
        await response.body.dump();
        return { status: response.statusCode, etag: response.headers.etag as string | undefined };
      } catch {
        return { status: 0 };
      }
    }),
  );
}

/** Object partitions held on devices that are not among their primaries. */
export async function handoffPartitions(
  layout: ClusterLayout,
  rings: ClusterRings,
): Promise<string[]> {
  const leftovers: string[] = [];
  for (const node of layout.nodes) {
    for (const device of node.devices) {
      const objects = join(node.devicesRoot, device, 'objects');
      for (const partition of await readdir(objects).catch(() => [] as string[])) {
        const primaries = rings.object.getPartNodes(Number(partition));
        if (!primaries.some((p) => p.port === node.ports.object && p.device === device))
          leftovers.push(`node${node.index + 1}/${device}/${partition}`);
      }
    }
  }
  return leftovers;
}
