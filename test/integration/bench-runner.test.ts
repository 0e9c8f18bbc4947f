/**
 * The benchmark runner (`npm run bench`) still works end to end: a one-second run of each
 * kind of scenario against a local cluster it starts itself writes results.json, results.md
 * and a chart per scenario, with every response a 2xx. Timings are not checked (tests never
 * time anything); the full comparison with Swift is not run here.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const RUNNER = join(import.meta.dirname, '..', '..', 'dist', 'bench', 'run.js');
const SCENARIOS = [
  'put-4KiB-c4',
  'get-4KiB-c4',
  'head-4KiB-c4',
  'mixed-4KiB-c4',
  'list-1000-c4',
  'put-1MiB-c4',
  'get-2MiB-c4',
];

interface Result {
  scenario: { id: string };
  measurement: { requests: number; non2xx: number; errors: number; latencyMs: { p99: number } };
}

describe('npm run bench', () => {
  let out: string;

  afterAll(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('produces JSON, Markdown and charts with zero non-2xx in a short run', async () => {
    out = await mkdtemp(join(tmpdir(), 'stratus-bench-test-'));
    const args = [
      RUNNER,
      '--seconds',
      '1',
      '--warm-up',
      '1',
      '--connections',
      '4',
      '--large-mib',
      '2',
      '--listing-objects',
      '300',
      '--only',
      SCENARIOS.join(','),
      '--out',
      out,
    ];
    const { stdout } = await run(process.execPath, args, { timeout: 60_000 });
    expect(stdout).toContain('| scenario | req/s | MiB/s | p50 ms | p99 ms');

    const report = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
      results: Result[];
      limits: { md5MiBPerSecond: number; bareHttp: Record<string, unknown> };
    };
    expect(report.results.map((r) => r.scenario.id)).toEqual(SCENARIOS);
    for (const { scenario, measurement } of report.results) {
      expect(measurement.requests, scenario.id).toBeGreaterThan(0);
      expect(measurement.non2xx, scenario.id).toBe(0);
      expect(measurement.errors, scenario.id).toBe(0);
      expect(measurement.latencyMs.p99, scenario.id).toBeGreaterThan(0);
    }
    expect(report.limits.md5MiBPerSecond).toBeGreaterThan(0);
    expect(Object.keys(report.limits.bareHttp)).toEqual(['c4']);

    const markdown = await readFile(join(out, 'results.md'), 'utf8');
    for (const id of ['PUT 4 KiB ×4', 'listing 1 000 names ×4', 'GET 2 MiB ×4'])
      expect(markdown).toContain(id);
    const charts = await readdir(join(out, 'charts'));
    expect(charts.sort()).toEqual(SCENARIOS.map((id) => `${id}.svg`).sort());
    const svg = await readFile(join(out, 'charts', 'get-4KiB-c4.svg'), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // Well-formed XML: no element names an attribute twice (browsers refuse such a file).
    for (const tag of svg.match(/<[a-z]+ [^>]*>/g) ?? []) {
      const names = [...tag.matchAll(/ ([a-z-]+)=/g)].map((m) => m[1]);
      expect(new Set(names).size, tag).toBe(names.length);
    }
  });
});
