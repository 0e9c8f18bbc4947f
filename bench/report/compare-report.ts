/**
 * The output of `npm run bench:compare`: `compare.json` (every round's measurement), a
 * Markdown report (`compare.md`: the side-by-side table, the targets, the physical limits) and
 * charts — one per scenario and `ratios.svg` for all of them.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ratioTarget, type ScenarioComparison, type TargetResult } from '../comparison.js';
import type { Limits } from '../limits.js';
import { machineLine, type Machine } from '../machine.js';
import { limitsTable } from './run-report.js';
import { formatNumber, ratioChart, sideBySideChart } from './svg.js';

export interface CompareReport {
  kind: 'compare';
  date: string;
  machine: Machine;
  swiftVersion: string;
  settings: Record<string, unknown>;
  /** What each store does to make a write durable, in words. */
  durability: { stratus: string; swift: string };
  limits?: Limits;
  comparisons: ScenarioComparison[];
  targets: TargetResult[];
}

const fmt = (v: number) => formatNumber(v);
const cpu = (f: ScenarioComparison['stratus']) =>
  f.cpuMsPerRequest === undefined ? '—' : fmt(f.cpuMsPerRequest);

const warmUpNote = (seconds: unknown): string =>
  typeof seconds === 'number' && seconds > 0
    ? `, after ${seconds} s of unmeasured 4 KiB GET/PUT warm-up on each`
    : '';

export function compareMarkdown(report: CompareReport, chartsPath = 'charts'): string {
  const rounds = report.comparisons[0]?.stratus.runs.length ?? 0;
  const lines = [
    `Run ${report.date}: ${rounds} rounds, Stratus then Swift in each (A B A B …), ` +
      `${String(report.settings.seconds)} s per run${warmUpNote(report.settings.warmUpSeconds)}. ` +
      `Machine: ${machineLine(report.machine)}. ` +
      `OpenStack Swift ${report.swiftVersion}.`,
    '',
    '| scenario | Stratus median (range) | Swift median (range) | Stratus/Swift (spread) | p50 ms S / W | p99 ms S / W | p99.9 ms S / W | server CPU ms/req S / W | non-2xx S / W |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of report.comparisons) {
    const unit = c.scenario.unit;
    const side = (f: ScenarioComparison['stratus']) =>
      `${fmt(f.median)} ${unit} (${fmt(f.min)}–${fmt(f.max)})`;
    const lat = (k: 'p50' | 'p99' | 'p999') =>
      `${fmt(c.stratus.latencyMs[k])} / ${fmt(c.swift.latencyMs[k])}`;
    lines.push(
      `| [${c.scenario.label}](${chartsPath}/${c.scenario.id}.svg) | ${side(c.stratus)} | ${side(c.swift)} | ` +
        `**${c.ratio}×** (${c.ratioMin}–${c.ratioMax}) | ${lat('p50')} | ${lat('p99')} | ${lat('p999')} | ` +
        `${cpu(c.stratus)} / ${cpu(c.swift)} | ` +
        `${c.stratus.non2xx + c.stratus.errors} / ${c.swift.non2xx + c.swift.errors} |`,
    );
  }
  lines.push('', '| target (issue 8) | measured | met |', '| --- | --- | :-: |');
  for (const t of report.targets)
    lines.push(`| ${t.target} | ${t.measured} | ${t.met ? '✅' : '❌'} |`);
  lines.push('');
  if (report.limits) lines.push(...limitsTable(report.limits), '');
  lines.push(
    `Durability: Stratus — ${report.durability.stratus} Swift — ${report.durability.swift}`,
    '',
  );
  return lines.join('\n');
}

export async function writeCompareReport(report: CompareReport, outDir: string): Promise<void> {
  const charts = join(outDir, 'charts');
  await mkdir(charts, { recursive: true });
  await writeFile(join(outDir, 'compare.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, 'compare.md'), compareMarkdown(report));
  for (const c of report.comparisons) {
    const pick = (f: ScenarioComparison['stratus']) => [
      f.latencyMs.p50,
      f.latencyMs.p99,
      f.latencyMs.p999,
    ];
    const headline = (f: ScenarioComparison['stratus']) =>
      f.runs.map((m) => (c.scenario.unit === 'MiB/s' ? m.mibPerSecond : m.requestsPerSecond));
    await writeFile(
      join(charts, `${c.scenario.id}.svg`),
      sideBySideChart({
        title: `${c.scenario.label}: Stratus ${c.ratio}× Swift`,
        unit: c.scenario.unit,
        rounds: { stratus: headline(c.stratus), swift: headline(c.swift) },
        latency: { stratus: pick(c.stratus), swift: pick(c.swift) },
        note: `${c.scenario.unit} per round (left), median latency percentiles (right); non-2xx ${c.stratus.non2xx} / ${c.swift.non2xx}`,
      }),
    );
  }
  await writeFile(
    join(charts, 'ratios.svg'),
    ratioChart(
      'Stratus / OpenStack Swift, same machine, same run',
      report.comparisons.map((c) => ({
        label: c.scenario.label,
        ratio: c.ratio,
        min: c.ratioMin,
        max: c.ratioMax,
        target: ratioTarget(c.scenario),
      })),
    ),
  );
}
