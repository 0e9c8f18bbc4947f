/**
 * The object replicator: each node pushes what it holds to where the ring says it belongs.
 *
 * For every partition on a local device: compare suffix hashes with each other primary (one
 * REPLICATE request per peer); for the suffixes that differ, ask the peer what it holds there
 * (`?inventory=true`) and send only what it lacks or has older — the object (PUT with its
 * metadata), its tombstone (DELETE) or its newer metadata (POST), all marked
 * X-Backend-Replication so the peer copies them as they are. Newest timestamps win on both
 * sides, so tombstones propagate and deleted objects do not come back. A partition on a device
 * that is not one of its primaries (a handoff) is pushed to every primary and removed locally
 * once all of them have it.
 */
import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { backendPath, hostPort } from '../../common/backend-url.js';
import { describeError } from '../../common/errors.js';
import type { RingDevice } from '../../common/ring/ring-data.js';
import { Timestamp } from '../../common/timestamp.js';
import type { NodeContext } from '../context.js';
import { isSameDevice, localRingDevices } from '../local-devices.js';
import { REPLICATION_METHOD } from '../http/types.js';
import { OBJECTS_DIR } from '../object/disk-file.js';
import { suffixHashes, type SuffixHashes } from '../object/hashes.js';
import { readMetadata, type ObjectMetadata } from '../object/metadata.js';
import { inventory, type Inventory, type InventoryEntry } from '../object/replicate.js';

export interface ReplicationStats {
  startedAt: number;
  durationSeconds: number;
  partitions: number;
  /** Partitions where some peer differed (before this pass fixed it). */
  outOfSync: number;
  suffixesSynced: number;
  objectsSent: number;
  handoffsRemoved: number;
  failures: number;
}

export interface ReplicatorOptions {
  /** Partitions replicated at once. */
  concurrency?: number;
  /** Only these local devices (default: all). */
  devices?: string[];
  onProgress?: (done: number, total: number) => void;
}

interface Job {
  device: RingDevice;
  devicePath: string;
  partition: number;
}

export class ObjectReplicator {
  lastPass: ReplicationStats | undefined;

  constructor(private readonly ctx: NodeContext) {}

  async runOnce(options: ReplicatorOptions = {}): Promise<ReplicationStats> {
    const started = Date.now();
    const stats: ReplicationStats = {
      startedAt: started / 1000,
      durationSeconds: 0,
      partitions: 0,
      outOfSync: 0,
      suffixesSynced: 0,
      objectsSent: 0,
      handoffsRemoved: 0,
      failures: 0,
    };
    const jobs = await this.collectJobs(options.devices);
    let done = 0;
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        try {
          await this.replicatePartition(job, stats);
        } catch (err) {
          stats.failures++;
          this.ctx.logger.warn(
            { partition: job.partition, device: job.device.device, err: describeError(err) },
            'partition replication failed',
          );
        }
        stats.partitions++;
        options.onProgress?.(++done, jobs.length);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, worker));
    stats.durationSeconds = (Date.now() - started) / 1000;
    this.lastPass = stats;
    this.ctx.logger.info({ replication: stats }, 'object replication pass done');
    return stats;
  }

  private async collectJobs(only?: string[]): Promise<Job[]> {
    const { config, rings } = this.ctx;
    const jobs: Job[] = [];
    for (const device of localRingDevices(rings.object, config.bindIp, config.object.bindPort)) {
      if (only && !only.includes(device.device)) continue;
      let devicePath: string;
      try {
        devicePath = this.ctx.devices.path(device.device);
      } catch {
        continue; // not mounted: nothing to push from it
      }
      const partitions = await readdir(join(devicePath, OBJECTS_DIR)).catch(() => [] as string[]);
      for (const name of partitions) {
        if (/^\d+$/.test(name) && Number(name) < rings.object.partitionCount)
          jobs.push({ device, devicePath, partition: Number(name) });
      }
    }
    return jobs;
  }

  private async replicatePartition(job: Job, stats: ReplicationStats): Promise<void> {
    const ring = this.ctx.rings.object;
    const partitionDir = join(job.devicePath, OBJECTS_DIR, String(job.partition));
    const primaries = ring.getPartNodes(job.partition);
    const isPrimary = primaries.some((node) => isSameDevice(node, job.device));
    const peers = primaries.filter((node) => !isSameDevice(node, job.device));
    const local = await suffixHashes(partitionDir, this.ctx.config.reclaimAge);
    let allInSync = true;
    let differed = false;
    for (const peer of peers) {
      const ok = await this.syncWithPeer(peer, job.partition, partitionDir, local, stats).catch(
        (err: unknown) => {
          this.ctx.logger.warn(
            {
              peer: `${peer.ip}:${peer.port}/${peer.device}`,
              partition: job.partition,
              err: describeError(err),
            },
            'replication to a peer failed',
          );
          return undefined;
        },
      );
      if (ok === undefined) {
        allInSync = false;
        stats.failures++;
      } else if (ok) {
        differed = true;
      }
    }
    if (differed) stats.outOfSync++;
    if (!isPrimary && allInSync) {
      await rm(partitionDir, { recursive: true, force: true });
      stats.handoffsRemoved++;
    }
  }

  /** Brings one peer up to date for the partition; true if anything differed. */
  private async syncWithPeer(
    peer: RingDevice,
    partition: number,
    partitionDir: string,
    local: SuffixHashes,
    stats: ReplicationStats,
  ): Promise<boolean> {
    const remote = await this.replicateCall(peer, partition, []);
    const differing = Object.keys(local).filter(
      (suffix) => remote.hashes[suffix] !== local[suffix],
    );
    if (differing.length === 0) return false;
    const { objects: theirs = {} } = await this.replicateCall(peer, partition, differing, true);
    const ours = await inventory(partitionDir, differing);
    for (const [hash, mine] of Object.entries(ours)) {
      const sent = await this.sendObject(
        peer,
        partition,
        join(partitionDir, hash.slice(-3), hash),
        mine,
        theirs[hash] ?? {},
      );
      stats.objectsSent += sent;
    }
    stats.suffixesSynced += differing.length;
    return true;
  }

  private async replicateCall(
    peer: RingDevice,
    partition: number,
    suffixes: string[],
    withInventory = false,
  ): Promise<{ hashes: SuffixHashes; objects?: Inventory }> {
    const path = `/${encodeURIComponent(peer.device)}/${partition}${suffixes.length > 0 ? `/${suffixes.join('-')}` : ''}${withInventory ? '?inventory=true' : ''}`;
    const response = await request(
      `http://${hostPort(peer.replicationIp, peer.replicationPort)}${path}`,
      {
        method: REPLICATION_METHOD as 'GET',
        dispatcher: this.ctx.http,
        signal: AbortSignal.timeout(this.ctx.config.object.nodeTimeout * 1000 * 10),
      },
    );
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`REPORT answered ${response.statusCode}`);
    return JSON.parse(text) as { hashes: SuffixHashes; objects?: Inventory };
  }

  /** Sends what the peer lacks of one object; returns how many writes it took. */
  private async sendObject(
    peer: RingDevice,
    partition: number,
    hashDir: string,
    mine: InventoryEntry,
    theirs: InventoryEntry,
  ): Promise<number> {
    const myWinner = mine.data ?? mine.ts;
    const theirWinner = theirs.data ?? theirs.ts;
    let writes = 0;
    let peerData = theirs.data;
    if (myWinner && newer(myWinner, theirWinner)) {
      if (mine.data) {
        await this.send(peer, partition, join(hashDir, `${mine.data}.data`), 'PUT');
        peerData = mine.data;
      } else {
        await this.send(peer, partition, join(hashDir, `${mine.ts!}.ts`), 'DELETE');
        peerData = undefined;
      }
      writes++;
    }
    if (mine.meta && mine.data && peerData === mine.data && newer(mine.meta, theirs.meta)) {
      await this.send(peer, partition, join(hashDir, `${mine.meta}.meta`), 'POST');
      writes++;
    }
    return writes;
  }

  private async send(
    peer: RingDevice,
    partition: number,
    file: string,
    method: 'PUT' | 'DELETE' | 'POST',
  ): Promise<void> {
    const metadata = readMetadata(file);
    const [account = '', container = '', object = ''] = splitName(metadata.name ?? '');
    const headers = replicationHeaders(metadata);
    let body: ReturnType<typeof createReadStream> | undefined;
    if (method === 'PUT') {
      headers['Content-Length'] = String((await stat(file)).size);
      body = createReadStream(file);
    }
    const response = await request(
      `http://${hostPort(peer.replicationIp, peer.replicationPort)}${backendPath(peer.device, partition, account, container, object)}`,
      {
        method,
        headers,
        body: body ?? null,
        dispatcher: this.ctx.http,
        signal: AbortSignal.timeout(this.ctx.config.object.nodeTimeout * 1000 * 10),
      },
    );
    await response.body.dump();
    // 409: the peer already has something newer, which is just as good.
    if (
      response.statusCode >= 300 &&
      response.statusCode !== 409 &&
      !(method === 'DELETE' && response.statusCode === 404)
    ) {
      throw new Error(`${method} of ${metadata.name ?? file} answered ${response.statusCode}`);
    }
  }
}

function newer(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined) return false;
  if (b === undefined) return true;
  return Timestamp.parse(a).compare(Timestamp.parse(b)) > 0;
}

/** `/account/container/object` → its three parts (the object keeps its slashes). */
function splitName(name: string): [string, string, string] {
  const [, account = '', container = '', ...rest] = name.split('/');
  return [account, container, rest.join('/')];
}

/** The stored metadata as the headers of a replication write. */
function replicationHeaders(metadata: ObjectMetadata): Record<string, string> {
  const headers: Record<string, string> = { 'X-Backend-Replication': 'true' };
  for (const [key, value] of Object.entries(metadata)) {
    if (key === 'name' || key === 'Content-Length') continue;
    headers[key] = value;
  }
  return headers;
}
