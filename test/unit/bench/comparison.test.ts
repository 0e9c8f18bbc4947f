/** The comparison's arithmetic: medians, ratios with their spread, and the targets of issue 8. */
import { describe, expect, it } from 'vitest';
import { compareScenario, evaluateTargets } from '../../../bench/comparison.js';
import type { Limits } from '../../../bench/limits.js';
import { median, Recorder, type Measurement } from '../../../bench/load/measurement.js';
import { allScenarios, releasesAfter, selectScenarios } from '../../../bench/scenarios.js';

function measured(rps: number, p99: number, non2xx = 0, mib = 0): Measurement {
  return {
    requests: rps,
    seconds: 1,
    requestsPerSecond: rps,
    mibPerSecond: mib,
    latencyMs: { p50: p99 / 2, p99, p999: p99, max: p99 },
    non2xx,
    errors: 0,
    statuses: {},
    timeline: [rps],
  };
}

const scenarios = allScenarios();
const byId = (id: string) => scenarios.find((s) => s.id === id)!;

describe('bench comparison', () => {
  it('takes medians and the spread of per-round ratios', () => {
    const c = compareScenario(
      byId('get-4KiB-c16'),
      [measured(1000, 10), measured(1200, 12), measured(1100, 11)],
      [measured(100, 50), measured(110, 40), measured(90, 45)],
    );
    expect(c.stratus.median).toBe(1100);
    expect(c.swift.median).toBe(100);
    expect(c.ratio).toBe(11);
    expect(c.ratioMin).toBe(10);
    expect(c.ratioMax).toBe(12.22);
    expect(c.stratus.latencyMs.p99).toBe(11);
    expect(median([3, 1, 2, 4])).toBe(2.5);
  });

  it('checks each target, and that Stratus answered only 2xx', () => {
    const limits: Limits = {
      md5MiBPerSecond: 700,
      fsyncedWriteMiBPerSecond: 300,
      fsyncedSmallFilesPerSecond: 5000,
      bareHttp: {},
    };
    const targets = evaluateTargets(
      [
        compareScenario(byId('get-4KiB-c16'), [measured(1100, 11)], [measured(100, 50)]),
        compareScenario(
          byId('put-1MiB-c16'),
          [measured(90, 200, 0, 90)],
          [measured(60, 300, 0, 60)],
        ),
        compareScenario(byId('list-1000-c16'), [measured(200, 80, 2)], [measured(100, 90)]),
      ],
      limits,
      3,
    );
    const met = Object.fromEntries(targets.map((t) => [t.target, t.met]));
    expect(met['GET 4 KiB ×16: ≥ 10× Swift']).toBe(true);
    expect(met["GET 4 KiB ×16: p99 below Swift's"]).toBe(true);
    expect(met['PUT 1 MiB ×16: ≥ 1.5× Swift']).toBe(true);
    // 300 MiB/s / 3 replicas = 100 MiB/s; 90 is 90 %, above the 80 % asked for.
    expect(met['PUT 1 MiB ×16: ≥ 80% of fsynced disk write / 3 replicas (100 MiB/s)']).toBe(true);
    expect(met['listing 1 000 names ×16: ≥ 3× Swift']).toBe(false);
    expect(met['zero non-2xx responses in every scenario']).toBe(false);
  });

  it('records percentiles over every response and counts non-2xx', () => {
    const recorder = new Recorder();
    for (let i = 1; i <= 1000; i++) recorder.response(i === 1000 ? 503 : 200, i, 10);
    const m = recorder.finish();
    expect(m.requests).toBe(1000);
    expect(m.latencyMs.p50).toBe(501);
    expect(m.latencyMs.p99).toBe(991);
    expect(m.latencyMs.p999).toBe(1000);
    expect(m.non2xx).toBe(1);
    expect(m.statuses).toEqual({ 503: 1 });
  });

  it('selects scenarios by id prefix and frees large objects after their last reader', () => {
    expect(selectScenarios(scenarios, ['head']).map((s) => s.id)).toEqual([
      'head-4KiB-c16',
      'head-4KiB-c64',
    ]);
    expect(() => selectScenarios(scenarios, ['nope'])).toThrow(/unknown scenario nope/);
    const releases = releasesAfter(scenarios);
    expect(releases.get('get-1MiB-c64')).toEqual(['bench-1MiB']);
    expect(releases.get('get-64MiB-c64')).toEqual(['bench-64MiB']);
  });
});
