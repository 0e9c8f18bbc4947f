/**
 * `npm run bench:compare`: Stratus and OpenStack Swift side by side on this machine, in the
 * same run. Installs Swift from Debian's packages if needed, starts a Swift all-in-one and a
 * Stratus cluster of the same shape (4 nodes, 3 replicas, part power 10, TempAuth), measures
 * the physical limits, then runs every scenario against both in alternation — Stratus, Swift,
 * Stratus, Swift … for --rounds rounds — and reports the ratio Stratus/Swift per scenario with
 * its spread, and the targets of issue 8. Everything it starts is stopped at the end, on
 * failure and on Ctrl-C.
 *
 *   npm run bench:compare [-- --rounds 3] [--seconds 10] [--warm-up 10] [--connections 16,64]
 *                         [--only ids] [--listing-objects 100000] [--large-mib 64]
 *                         [--swift-workers 1] [--out bench/results/compare] [--cpu-prof dir]
 */
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareScenario, evaluateTargets, headline } from './comparison.js';
import { measureLimits } from './limits.js';
import { seedRows } from './listing-seed.js';
import type { Measurement } from './load/measurement.js';
import { describeMachine } from './machine.js';
import {
  compareMarkdown,
  writeCompareReport,
  type CompareReport,
} from './report/compare-report.js';
import { allScenarios, MiB, releasesAfter, selectScenarios } from './scenarios.js';
import { onStop, runCleanups } from './shutdown.js';
import { startStratus } from './stores/stratus.js';
import { SwiftAio } from './stores/swift-aio/cluster.js';
import { ensureSwiftInstalled } from './stores/swift-aio/install.js';
import { SwiftSession } from './swift-session.js';
import { Workload } from './workload.js';

const PART_POWER = 10;
const REPLICAS = 3;

const DURABILITY = {
  stratus:
    'object data fsynced before the rename into the hash folder, then the hash folder (and any ' +
    'folder it created) fsynced; container rows in SQLite (WAL, synchronous=NORMAL). Page ' +
    'cache: bodies over 5 MiB dropped once fsynced and as read, smaller ones kept.',
  swift:
    'its defaults: object data fsynced (fsync before renamer), the hash folder and each new ' +
    'parent folder fsynced; container rows appended to the .pending file and merged into ' +
    'SQLite (synchronous=NORMAL). Page cache: every PUT dropped once fsynced (its default); ' +
    'bodies under 5 MiB kept when read (keep_cache_private = true, so reads cache as ' +
    "Stratus's do; its default drops every read made with a token).",
};

function nonNegative(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a whole number of seconds`);
  return value;
}

function positive(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '10' },
      'warm-up': { type: 'string', default: '10' },
      connections: { type: 'string', default: '16,64' },
      only: { type: 'string', default: '' },
      'listing-objects': { type: 'string', default: '100000' },
      'large-mib': { type: 'string', default: '64' },
      'swift-workers': { type: 'string', default: '1' },
      out: { type: 'string', default: 'bench/results/compare' },
      'cpu-prof': { type: 'string' },
    },
  });
  const rounds = positive(values.rounds, 'rounds');
  const seconds = positive(values.seconds, 'seconds');
  const warmUpSeconds = nonNegative(values['warm-up'], 'warm-up');
  const connections = values.connections.split(',').map((c) => positive(c, 'connections'));
  const listingObjects = positive(values['listing-objects'], 'listing-objects');
  const largeMiB = positive(values['large-mib'], 'large-mib');
  const scenarios = selectScenarios(
    allScenarios({ connections, largeSize: largeMiB * MiB, listingLimits: [1000, 10_000] }),
    values.only ? values.only.split(',') : [],
  );

  const swiftVersion = await ensureSwiftInstalled();
  const workDir = await mkdtemp(join(tmpdir(), 'stratus-compare-'));
  const outDir = resolve(values.out);
  onStop(() => rm(workDir, { recursive: true, force: true }));
  // On failure, keep the servers' logs (not their data) for the post-mortem.
  onStop(() => (failed ? saveLogs(workDir, join(outDir, 'logs')) : undefined));
  process.stderr.write(`starting OpenStack Swift ${swiftVersion} and Stratus in ${workDir} …\n`);
  const swift = await SwiftAio.start({
    dir: join(workDir, 'swift'),
    partPower: PART_POWER,
    workers: values['swift-workers'],
  });
  onStop(() => swift.stop());
  const stratus = await startStratus({
    dataDir: join(workDir, 'stratus'),
    partPower: PART_POWER,
    cpuProfileDir: values['cpu-prof'] && resolve(values['cpu-prof']),
  });
  onStop(() => stratus.stop());

  const limits = await measureLimits({ dir: workDir, seconds: Math.min(seconds, 5), connections });
  const runTag = `r${Date.now().toString(36)}`;
  const stores = await Promise.all(
    [
      {
        endpoint: stratus.endpoint,
        replicas: (a: string, c: string) => stratus.containerReplicas(a, c),
      },
      {
        endpoint: swift.endpoint,
        replicas: (a: string, c: string) => swift.containerReplicas(a, c),
      },
    ].map(async ({ endpoint, replicas }) => {
      const session = await SwiftSession.login(endpoint);
      onStop(() => session.close());
      return new Workload(session, {
        seconds,
        listingObjects,
        runTag,
        seedListing: async (account, container, names) =>
          seedRows(await replicas(account, container), account, container, names),
      });
    }),
  );

  const releases = releasesAfter(scenarios);
  const report: CompareReport = {
    kind: 'compare',
    date: new Date().toISOString(),
    machine: describeMachine(workDir),
    swiftVersion,
    settings: {
      rounds,
      seconds,
      warmUpSeconds,
      connections,
      listingObjects,
      largeMiB,
      partPower: PART_POWER,
      replicas: REPLICAS,
      swiftWorkers: values['swift-workers'],
    },
    durability: DURABILITY,
    limits,
    comparisons: [],
    targets: [],
  };
  for (const store of stores) {
    process.stderr.write(`warming up ${store.session.endpoint.name} for ${warmUpSeconds} s …\n`);
    await store.warmUp(warmUpSeconds);
  }
  for (const scenario of scenarios) {
    for (const store of stores) await store.prepare(scenario);
    const runs: Measurement[][] = [[], []];
    for (let round = 1; round <= rounds; round++) {
      for (const [i, store] of stores.entries()) {
        const m = await store.run(scenario);
        runs[i]!.push(m);
        process.stderr.write(
          `${scenario.id} round ${round} ${store.session.endpoint.name}: ${headline(scenario, m)} ${scenario.unit}, ` +
            `p99 ${m.latencyMs.p99} ms, non-2xx ${m.non2xx}, errors ${m.errors}\n`,
        );
      }
    }
    report.comparisons.push(compareScenario(scenario, runs[0]!, runs[1]!));
    for (const container of releases.get(scenario.id) ?? [])
      for (const store of stores) await store.release(container);
  }
  report.targets = evaluateTargets(report.comparisons, limits, REPLICAS);
  await writeCompareReport(report, outDir);
  process.stdout.write(`\n${compareMarkdown(report)}\nreport and charts in ${outDir}\n`);
}

let failed = false;

/** Copies the servers' logs and configs (not their data) from the run's folder. */
async function saveLogs(from: string, to: string): Promise<void> {
  const names = (await readdir(from, { recursive: true })).filter(
    (name) => /\.(log|out|conf)$/.test(name) && !/(^|\/)srv\//.test(name),
  );
  for (const name of names) {
    await mkdir(dirname(join(to, name)), { recursive: true });
    await copyFile(join(from, name), join(to, name));
  }
  process.stderr.write(`logs of the failed run kept in ${to}\n`);
}

main()
  .catch((err: unknown) => {
    failed = true;
    process.stderr.write(
      `bench:compare: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
