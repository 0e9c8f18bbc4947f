/**
 * What a storage node reports about itself (Swift's recon): per device the async pendings
 * waiting for the updater, quarantined objects and databases, and free space; per daemon its
 * last pass. Served as `GET /recon` (read by the status command) and as Prometheus gauges.
 */
import { readdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metrics } from '../common/metrics.js';
import { ASYNC_DIR } from './async-pending.js';
import type { NodeContext } from './context.js';
import { lastRecordedPass, type Daemon } from './daemons/daemon.js';
import { QUARANTINE_DIR } from './object/disk-file.js';

export interface DeviceState {
  device: string;
  asyncPendings: number;
  /** Quarantined items by kind (objects, containers, accounts, async_pending, …). */
  quarantined: Record<string, number>;
  freeBytes: number;
  totalBytes: number;
}

export interface NodeState {
  time: number;
  devices: DeviceState[];
  daemons: Record<string, object | null>;
}

const entries = (dir: string): Promise<string[]> => readdir(dir).catch(() => [] as string[]);

async function countAsyncPendings(devicePath: string): Promise<number> {
  let count = 0;
  for (const suffix of await entries(join(devicePath, ASYNC_DIR))) {
    count += (await entries(join(devicePath, ASYNC_DIR, suffix))).filter(
      (name) => !name.startsWith('.'),
    ).length;
  }
  return count;
}

export async function deviceStates(ctx: NodeContext): Promise<DeviceState[]> {
  const states: DeviceState[] = [];
  for (const device of await entries(ctx.config.devices)) {
    const path = join(ctx.config.devices, device);
    const fs = await statfs(path).catch(() => undefined);
    if (!fs) continue;
    const quarantine = join(path, QUARANTINE_DIR);
    states.push({
      device,
      asyncPendings: await countAsyncPendings(path),
      quarantined: Object.fromEntries(
        await Promise.all(
          (await entries(quarantine)).map(
            async (kind) => [kind, (await entries(join(quarantine, kind))).length] as const,
          ),
        ),
      ),
      freeBytes: fs.bavail * fs.bsize,
      totalBytes: fs.blocks * fs.bsize,
    });
  }
  return states;
}

export async function nodeState(ctx: NodeContext, daemons: readonly Daemon[]): Promise<NodeState> {
  return {
    time: Date.now() / 1000,
    devices: await deviceStates(ctx),
    daemons: Object.fromEntries(
      await Promise.all(
        daemons.map(
          async (d) => [d.name, (await lastRecordedPass(ctx.config, d.name)) ?? null] as const,
        ),
      ),
    ),
  };
}

/** Scrape-time gauges for the node's disks and daemons. */
export function registerNodeGauges(
  metrics: Metrics,
  ctx: NodeContext,
  daemons: readonly Daemon[],
): void {
  metrics.gauge(
    'stratus_async_pendings',
    'Listing updates waiting for the updater',
    ['device'],
    async (set) => {
      for (const state of await deviceStates(ctx))
        set({ device: state.device }, state.asyncPendings);
    },
  );
  metrics.gauge(
    'stratus_quarantined',
    'Quarantined items by kind',
    ['device', 'kind'],
    async (set) => {
      for (const state of await deviceStates(ctx)) {
        for (const [kind, count] of Object.entries(state.quarantined))
          set({ device: state.device, kind }, count);
      }
    },
  );
  const passes = async () =>
    Promise.all(
      daemons.map(async (d) => ({
        name: d.name,
        pass: (await lastRecordedPass(ctx.config, d.name)) as
          { durationSeconds?: number; outOfSync?: number } | undefined,
      })),
    );
  metrics.gauge(
    'stratus_daemon_last_pass_seconds',
    'Duration of the last pass of each daemon',
    ['daemon'],
    async (set) => {
      for (const { name, pass } of await passes())
        if (pass?.durationSeconds !== undefined) set({ daemon: name }, pass.durationSeconds);
    },
  );
  metrics.gauge(
    'stratus_replication_out_of_sync',
    'Partitions or databases found out of sync in the last replication pass',
    ['daemon'],
    async (set) => {
      for (const { name, pass } of await passes())
        if (pass?.outOfSync !== undefined) set({ daemon: name }, pass.outOfSync);
    },
  );
}
