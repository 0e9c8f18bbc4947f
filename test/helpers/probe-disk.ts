/**
 * Probe-test helpers that look at what the storage nodes hold: an object's hash folder on
 * each of its primaries, a backend GET of each replica, each container replica's listing.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { backendPath } from '../../common/backend-url.js';
import type { ClusterRings } from '../../common/cluster-config.js';
import type { PathHasher } from '../../common/hash.js';
import type { ClusterLayout } from '../../local-cluster/layout.js';
import { http } from './http.js';

/** Settings turning every background daemon off: probe tests run each pass themselves. */
export const DAEMONS_OFF: Record<string, string> = Object.fromEntries(
  [
    'object-replicator',
    'object-auditor',
    'object-updater',
    'object-expirer',
    'container-replicator',
    'container-updater',
    'account-replicator',
  ].map((name) => [`${name}.interval`, '0']),
);

export const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

export interface ReplicaPlace {
  /** Index of the node (in the layout) holding this primary. */
  node: number;
  url: string;
  hashDir: string;
}

/** Where each primary keeps the object: its node, backend URL and hash folder. */
export function objectPlaces(
  layout: ClusterLayout,
  rings: ClusterRings,
  hasher: PathHasher,
  account: string,
  container: string,
  object: string,
): ReplicaPlace[] {
  const { partition, nodes } = rings.object.getNodes(account, container, object);
  const hash = hasher.hashPath(account, container, object);
  return nodes.map((device) => {
    const node = layout.nodes.findIndex((n) => n.ports.object === device.port);
    return {
      node,
      url: `http://${device.ip}:${device.port}${backendPath(device.device, partition, account, container, object)}`,
      hashDir: join(
        layout.nodes[node]!.devicesRoot,
        device.device,
        'objects',
        String(partition),
        hash.slice(-3),
        hash,
      ),
    };
  });
}

export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

/** MD5 of each primary's copy read straight from its object server ('404' etc. when none). */
export async function replicaMd5s(places: ReplicaPlace[]): Promise<string[]> {
  return Promise.all(
    places.map(async ({ url }) => {
      const reply = await http(url).catch(() => undefined);
      if (!reply) return 'down';
      return reply.status === 200 ? md5(reply.body) : String(reply.status);
    }),
  );
}

/** The names in each container replica's listing, read from its container server. */
export async function containerListings(
  rings: ClusterRings,
  account: string,
  container: string,
): Promise<string[][]> {
  const { partition, nodes } = rings.container.getNodes(account, container);
  return Promise.all(
    nodes.map(async (device) => {
      const names: string[] = [];
      let marker = '';
      for (;;) {
        const url = `http://${device.ip}:${device.port}${backendPath(device.device, partition, account, container)}?format=json&marker=${encodeURIComponent(marker)}`;
        const reply = await http(url);
        if (reply.status !== 200) return [`status ${reply.status}`];
        const page = (JSON.parse(reply.text) as { name: string }[]).map((o) => o.name);
        if (page.length === 0) return names;
        names.push(...page);
        marker = page.at(-1)!;
      }
    }),
  );
}
