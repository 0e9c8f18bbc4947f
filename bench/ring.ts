/**
 * Ring benchmark (issue 2): rebalance a part-power-18, 3-replica ring of 120 devices in
 * 3 regions × 4 zones; write and load the ring file; time 1M getNodes lookups against 1M bare
 * path hashes (the baseline, measured in the same run), and handoff iteration.
 *
 *   npm run bench:ring [-- --part-power 18 --lookups 1000000]
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initHashing, PathHasher } from '../common/hash.js';
import { Ring } from '../common/ring/ring.js';
import { serializeRing } from '../common/ring/ring-data.js';
import { RingBuilder } from '../ring-builder/builder.js';

const { values } = parseArgs({
  options: {
    'part-power': { type: 'string', default: '18' },
    lookups: { type: 'string', default: '1000000' },
  },
});
const partPower = Number(values['part-power']);
const lookups = Number(values.lookups);

function time<T>(label: string, fn: () => T): { result: T; ms: number } {
  const start = process.hrtime.bigint();
  const result = fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stderr.write(`${label}: ${ms.toFixed(0)} ms\n`);
  return { result, ms };
}

await initHashing();
const builder = new RingBuilder(partPower, 3, 1);
for (let region = 1; region <= 3; region++) {
  for (let zone = 1; zone <= 4; zone++) {
    for (let host = 1; host <= 10; host++) {
      builder.addDevice({
        region,
        zone,
        ip: `10.${region}.${zone}.${host}`,
        port: 6200,
        device: 'sdb',
        weight: 100,
      });
    }
  }
}
const rebalance = time(`rebalance 2^${partPower} × 3 over 120 devices`, () =>
  builder.rebalance({ seed: 1 }),
);
const dir = await mkdtemp(join(tmpdir(), 'stratus-bench-ring-'));
const path = join(dir, 'object.ring.gz');
await writeFile(path, serializeRing(builder.toRingData()));
const ringBytes = (await stat(path)).size;
const hasher = new PathHasher({ prefix: '', suffix: 'bench' });
const load = time('load ring file', () => Ring.load(path, hasher));
const ring = load.result;
const names = Array.from({ length: 1000 }, (_, i) => `object-${i}`);
const hashOnly = time(`${lookups} hashPath (baseline)`, () => {
  let sink = 0;
  for (let i = 0; i < lookups; i++)
    sink += hasher.hashPath('AUTH_bench', 'c', names[i % 1000]).length;
  return sink;
});
const nodes = time(`${lookups} getNodes`, () => {
  let sink = 0;
  for (let i = 0; i < lookups; i++)
    sink += ring.getNodes('AUTH_bench', 'c', names[i % 1000]).nodes.length;
  return sink;
});
const handoffCount = 10_000;
const handoffs = time(`${handoffCount} × first 3 handoffs`, () => {
  let sink = 0;
  for (let part = 0; part < handoffCount; part++) {
    let taken = 0;
    for (const dev of ring.getMoreNodes(part)) {
      sink += dev.id;
      if (++taken === 3) break;
    }
  }
  return sink;
});
await rm(dir, { recursive: true, force: true });

const report = {
  machine: `${process.platform} ${process.arch}, node ${process.version}`,
  partPower,
  replicas: 3,
  devices: 120,
  rebalanceMs: Math.round(rebalance.ms),
  balance: Number(rebalance.result.balance.toFixed(2)),
  dispersion: Number(rebalance.result.dispersion.toFixed(2)),
  ringFileBytes: ringBytes,
  loadMs: Math.round(load.ms),
  lookups,
  hashPathMs: Math.round(hashOnly.ms),
  getNodesMs: Math.round(nodes.ms),
  getNodesPerSecond: Math.round(lookups / (nodes.ms / 1000)),
  getNodesOverHashRatio: Number((nodes.ms / hashOnly.ms).toFixed(2)),
  handoffsUsPerPartition: Number(((handoffs.ms * 1000) / handoffCount).toFixed(1)),
};
console.log(JSON.stringify(report, null, 2));
if (partPower === 18 && rebalance.ms > 5000) {
  console.error(`MISSED TARGET: rebalance took ${rebalance.ms.toFixed(0)} ms (target 5000 ms)`);
  process.exitCode = 1;
}
