/**
 * `npm run bench`: the scenarios of issue 8 against one Swift-API endpoint with TempAuth —
 * a running store given by --auth-url, or (by default) a local Stratus cluster started for the
 * run — plus the machine's physical limits. Writes results.json, results.md and a chart per
 * scenario to --out; exits 1 if any response was not 2xx.
 *
 *   npm run bench [-- --auth-url http://127.0.0.1:8080/auth/v1.0 --user test:tester --key testing]
 *                 [--seconds 10] [--warm-up 10] [--connections 16,64] [--only put-4KiB,list] [--out dir]
 *                 [--listing-objects 100000] [--large-mib 64] [--no-limits] [--cpu-prof dir]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureLimits } from './limits.js';
import { seedRows } from './listing-seed.js';
import { describeMachine } from './machine.js';
import { writeRunReport, runMarkdown, type RunReport } from './report/run-report.js';
import { allScenarios, MiB, releasesAfter, selectScenarios } from './scenarios.js';
import { onStop, runCleanups } from './shutdown.js';
import { SwiftSession, type Endpoint } from './swift-session.js';
import { startStratus } from './stores/stratus.js';
import { Workload, type ListingSeeder } from './workload.js';

const USAGE =
  'usage: npm run bench -- [--auth-url URL --user U --key K] [--seconds N] [--warm-up N] [--connections 16,64] [--only ids] [--out dir] [--listing-objects N] [--large-mib N] [--no-limits] [--cpu-prof dir]';

function numbers(text: string): number[] {
  return text.split(',').map((part) => {
    const value = Number(part);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`not a positive integer: ${part}`);
    return value;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'auth-url': { type: 'string' },
      user: { type: 'string', default: 'test:tester' },
      key: { type: 'string', default: 'testing' },
      seconds: { type: 'string', default: '10' },
      'warm-up': { type: 'string', default: '10' },
      connections: { type: 'string', default: '16,64' },
      only: { type: 'string', default: '' },
      out: { type: 'string', default: 'bench/results/run' },
      'listing-objects': { type: 'string', default: '100000' },
      'large-mib': { type: 'string', default: '64' },
      'no-limits': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const seconds = Number(values.seconds);
  const warmUpSeconds = Number(values['warm-up']);
  if (!Number.isInteger(warmUpSeconds) || warmUpSeconds < 0)
    throw new Error('--warm-up must be a whole number of seconds');
  const connections = numbers(values.connections);
  const scenarios = selectScenarios(
    allScenarios({
      connections,
      largeSize: numbers(values['large-mib'])[0]! * MiB,
      listingLimits: [1000, 10_000],
    }),
    values.only ? values.only.split(',') : [],
  );
  const listingObjects = numbers(values['listing-objects'])[0]!;
  const workDir = await mkdtemp(join(tmpdir(), 'stratus-bench-'));
  onStop(() => rm(workDir, { recursive: true, force: true }));

  let endpoint: Endpoint;
  // A cluster we started ourselves gets its listing rows straight from its container ring,
  // as bench:compare does; any other endpoint is filled with object PUTs.
  let seedListing: ListingSeeder | undefined;
  if (values['auth-url']) {
    endpoint = {
      name: new URL(values['auth-url']).host,
      authUrl: values['auth-url'],
      user: values.user,
      key: values.key,
    };
  } else {
    process.stderr.write('starting a local Stratus cluster …\n');
    const stratus = await startStratus({
      dataDir: join(workDir, 'stratus'),
      partPower: 10,
      cpuProfileDir: values['cpu-prof'] && resolve(values['cpu-prof']),
    });
    onStop(() => stratus.stop());
    endpoint = stratus.endpoint;
    seedListing = async (account, container, names) =>
      seedRows(await stratus.containerReplicas(account, container), account, container, names);
  }

  const limits = values['no-limits']
    ? undefined
    : await measureLimits({
        dir: workDir,
        seconds: Math.min(seconds, 5),
        connections,
        writeMiB: seconds < 5 ? 64 : 512,
      });
  const session = await SwiftSession.login(endpoint);
  onStop(() => session.close());
  const workload = new Workload(session, {
    seconds,
    listingObjects,
    runTag: `r${Date.now().toString(36)}`,
    seedListing,
  });
  const releases = releasesAfter(scenarios);
  const report: RunReport = {
    kind: 'run',
    date: new Date().toISOString(),
    endpoint: endpoint.name,
    machine: describeMachine(workDir),
    settings: {
      seconds,
      warmUpSeconds,
      connections,
      listingObjects,
      largeMiB: Number(values['large-mib']),
    },
    limits,
    results: [],
  };
  process.stderr.write(`warming up for ${warmUpSeconds} s …\n`);
  await workload.warmUp(warmUpSeconds);
  for (const scenario of scenarios) {
    await workload.prepare(scenario);
    process.stderr.write(`${scenario.id} …\n`);
    report.results.push({ scenario, measurement: await workload.run(scenario) });
    for (const container of releases.get(scenario.id) ?? []) await workload.release(container);
  }
  const outDir = resolve(values.out);
  await writeRunReport(report, outDir);
  process.stdout.write(runMarkdown(report));
  process.stdout.write(`\nresults, Markdown and charts in ${outDir}\n`);
  if (report.results.some((r) => r.measurement.non2xx > 0 || r.measurement.errors > 0)) {
    process.stderr.write('some responses were not 2xx (see the table)\n');
    process.exitCode = 1;
  }
}

main()
  .catch((err: unknown) => {
    process.stderr.write(
      `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n${USAGE}\n`,
    );
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
