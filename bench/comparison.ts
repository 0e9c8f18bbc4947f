/**
 * Turns the rounds of a comparison into figures: per scenario and store the median of the
 * headline figure (requests/s or MiB/s) with its range, median latency percentiles, the
 * non-2xx total; the ratio Stratus/Swift of the medians with its spread (the lowest and highest
 * ratio of a single round's pair); and the targets of issue 8, each met or missed.
 */
import type { Limits } from './limits.js';
import { median, round, type Measurement } from './load/measurement.js';
import { KiB, MiB, type Scenario } from './scenarios.js';

export interface StoreFigures {
  runs: Measurement[];
  median: number;
  min: number;
  max: number;
  latencyMs: { p50: number; p99: number; p999: number };
  non2xx: number;
  errors: number;
  proxyPeakRssMiB?: number;
  /** Median CPU time all the store's processes spent per request (ms). */
  cpuMsPerRequest?: number;
}

export interface ScenarioComparison {
  scenario: Scenario;
  stratus: StoreFigures;
  swift: StoreFigures;
  ratio: number;
  ratioMin: number;
  ratioMax: number;
}

export interface TargetResult {
  target: string;
  scenario?: string;
  measured: string;
  met: boolean;
}

export function headline(scenario: Scenario, m: Measurement): number {
  return scenario.unit === 'MiB/s' ? m.mibPerSecond : m.requestsPerSecond;
}

function figures(scenario: Scenario, runs: Measurement[]): StoreFigures {
  const values = runs.map((m) => headline(scenario, m));
  const rss = runs.map((m) => m.extra?.proxyPeakRssMiB).filter((v): v is number => v !== undefined);
  const cpu = runs
    .map((m) => m.extra?.serverCpuMsPerRequest)
    .filter((v): v is number => v !== undefined);
  return {
    runs,
    median: round(median(values), 1),
    min: Math.min(...values),
    max: Math.max(...values),
    latencyMs: {
      p50: round(median(runs.map((m) => m.latencyMs.p50)), 2),
      p99: round(median(runs.map((m) => m.latencyMs.p99)), 2),
      p999: round(median(runs.map((m) => m.latencyMs.p999)), 2),
    },
    non2xx: runs.reduce((sum, m) => sum + m.non2xx, 0),
    errors: runs.reduce((sum, m) => sum + m.errors, 0),
    proxyPeakRssMiB: rss.length > 0 ? Math.max(...rss) : undefined,
    cpuMsPerRequest: cpu.length > 0 ? round(median(cpu), 2) : undefined,
  };
}

export function compareScenario(
  scenario: Scenario,
  stratus: Measurement[],
  swift: Measurement[],
): ScenarioComparison {
  const a = figures(scenario, stratus);
  const b = figures(scenario, swift);
  const perRound = stratus.map(
    (m, i) => headline(scenario, m) / Math.max(1e-9, headline(scenario, swift[i]!)),
  );
  return {
    scenario,
    stratus: a,
    swift: b,
    ratio: round(a.median / Math.max(1e-9, b.median), 2),
    ratioMin: round(Math.min(...perRound), 2),
    ratioMax: round(Math.max(...perRound), 2),
  };
}

/** The ratio a scenario must reach (for the chart), if issue 8 sets one. */
export function ratioTarget(scenario: Scenario): number | undefined {
  if (scenario.size === 4 * KiB && ['put', 'get', 'head'].includes(scenario.operation)) return 10;
  if (scenario.operation === 'list') return 3;
  if (scenario.size === MiB) return scenario.operation === 'put' ? 1.5 : 3;
  return undefined;
}

export function evaluateTargets(
  comparisons: readonly ScenarioComparison[],
  limits: Limits | undefined,
  replicas: number,
): TargetResult[] {
  const results: TargetResult[] = [];
  for (const c of comparisons) {
    const id = c.scenario.id;
    const want = ratioTarget(c.scenario);
    if (want !== undefined)
      results.push({
        target: `${c.scenario.label}: ≥ ${want}× Swift`,
        scenario: id,
        measured: `${c.ratio}× (${c.ratioMin}–${c.ratioMax})`,
        met: c.ratio >= want,
      });
    if (want === 10)
      results.push({
        target: `${c.scenario.label}: p99 below Swift's`,
        scenario: id,
        measured: `${c.stratus.latencyMs.p99} ms vs ${c.swift.latencyMs.p99} ms`,
        met: c.stratus.latencyMs.p99 < c.swift.latencyMs.p99,
      });
    if (c.scenario.operation === 'put' && c.scenario.size === MiB && limits) {
      const ceiling = limits.fsyncedWriteMiBPerSecond / replicas;
      results.push({
        target: `${c.scenario.label}: ≥ 80% of fsynced disk write / ${replicas} replicas (${round(ceiling, 0)} MiB/s)`,
        scenario: id,
        measured: `${c.stratus.median} MiB/s = ${round((100 * c.stratus.median) / ceiling, 0)}%`,
        met: c.stratus.median >= 0.8 * ceiling,
      });
    }
    if (c.scenario.operation === 'put' && c.scenario.size > MiB && c.scenario.connections === 16)
      results.push({
        target: `proxy peak RSS during ${c.scenario.label} < 300 MiB`,
        scenario: id,
        measured: `${c.stratus.proxyPeakRssMiB ?? '?'} MiB (Swift: ${c.swift.proxyPeakRssMiB ?? '?'} MiB)`,
        met: (c.stratus.proxyPeakRssMiB ?? Infinity) < 300,
      });
  }
  const failed = comparisons.filter((c) => c.stratus.non2xx + c.stratus.errors > 0);
  results.push({
    target: 'zero non-2xx responses in every scenario',
    measured:
      failed.length === 0
        ? '0'
        : failed
            .map((c) => `${c.scenario.id}: ${c.stratus.non2xx} non-2xx, ${c.stratus.errors} errors`)
            .join('; '),
    met: failed.length === 0,
  });
  return results;
}
