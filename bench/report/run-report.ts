/**
 * The output of `npm run bench` (one endpoint): `results.json`, `results.md` (a Markdown table
 * with the physical limits) and one SVG timeline per scenario, all in the output folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Limits } from '../limits.js';
import type { Measurement } from '../load/measurement.js';
import { machineLine, type Machine } from '../machine.js';
import type { Scenario } from '../scenarios.js';
import { formatNumber, timelineChart } from './svg.js';

export interface RunResult {
  scenario: Scenario;
  measurement: Measurement;
}

export interface RunReport {
  kind: 'run';
  date: string;
  endpoint: string;
  machine: Machine;
  settings: Record<string, unknown>;
  limits?: Limits;
  results: RunResult[];
}

export function limitsTable(limits: Limits): string[] {
  const http = Object.entries(limits.bareHttp)
    .map(([c, f]) => `${formatNumber(f.requestsPerSecond)} req/s at ${c.slice(1)} connections`)
    .join(', ');
  return [
    '| physical limit (same machine, same run) | value |',
    '| --- | --- |',
    `| MD5, one core | ${formatNumber(limits.md5MiBPerSecond)} MiB/s |`,
    `| sequential write ending in fsync | ${formatNumber(limits.fsyncedWriteMiBPerSecond)} MiB/s |`,
    `| 4 KiB files written + fsynced, 16 at a time | ${formatNumber(limits.fsyncedSmallFilesPerSecond)} files/s |`,
    `| bare Node HTTP server, 4 KiB GET on loopback | ${http} |`,
  ];
}

export function runMarkdown(report: RunReport): string {
  const lines = [
    `# Benchmark of ${report.endpoint} — ${report.date}`,
    '',
    `Machine: ${machineLine(report.machine)}.`,
    '',
    '| scenario | req/s | MiB/s | p50 ms | p99 ms | p99.9 ms | non-2xx | errors | proxy peak RSS MiB | server CPU ms/req |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.results.map(({ scenario, measurement: m }) =>
      [
        scenario.label,
        formatNumber(m.requestsPerSecond),
        m.mibPerSecond > 0 ? formatNumber(m.mibPerSecond) : '—',
        formatNumber(m.latencyMs.p50),
        formatNumber(m.latencyMs.p99),
        formatNumber(m.latencyMs.p999),
        String(m.non2xx),
        String(m.errors),
        m.extra?.proxyPeakRssMiB !== undefined ? String(m.extra.proxyPeakRssMiB) : '—',
        m.extra?.serverCpuMsPerRequest !== undefined
          ? formatNumber(m.extra.serverCpuMsPerRequest)
          : '—',
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |'),
    ),
    '',
  ];
  if (report.limits) lines.push(...limitsTable(report.limits), '');
  return lines.join('\n');
}

export async function writeRunReport(report: RunReport, outDir: string): Promise<void> {
  await mkdir(join(outDir, 'charts'), { recursive: true });
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, 'results.md'), runMarkdown(report));
  for (const { scenario, measurement: m } of report.results) {
    const subtitle =
      `${formatNumber(m.requestsPerSecond)} req/s` +
      (m.mibPerSecond > 0 ? `, ${formatNumber(m.mibPerSecond)} MiB/s` : '') +
      ` · p50 ${formatNumber(m.latencyMs.p50)} ms, p99 ${formatNumber(m.latencyMs.p99)} ms,` +
      ` p99.9 ${formatNumber(m.latencyMs.p999)} ms · non-2xx ${m.non2xx}`;
    await writeFile(
      join(outDir, 'charts', `${scenario.id}.svg`),
      timelineChart(`${report.endpoint}: ${scenario.label}`, subtitle, m.timeline),
    );
  }
}
