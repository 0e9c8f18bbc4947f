/**
 * Summarises `node --cpu-prof` profiles (the .cpuprofile files `--cpu-prof <dir>` of
 * `npm run bench` / `bench:compare` writes, one per process): how busy each process was, and
 * where its CPU time went — by function (self time) and by source file or module.
 *
 *   node dist/bench/profile-summary.js <dir or .cpuprofile files> [--top 15] [--last 10]
 *
 * `--last N` counts only the last N seconds of each profile (the measured scenario, not the
 * start-up or the filling of a listing container before it).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  /** proxy, storage-node, … : the folder of ours the process spent most time in. */
  role: string;
  seconds: number;
  busyPercent: number;
  functions: { name: string; percent: number }[];
  modules: { name: string; percent: number }[];
}

/** `dist/proxy/backend/putter.js` → `proxy/backend/putter`, `node:internal/...` kept short. */
function moduleOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const dist = /\/dist\/(.+)\.js$/.exec(url);
  if (dist) return dist[1]!;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm:${pkg[1]}`;
  return url.replace(/^node:internal\//, 'node:').replace(/^file:\/\//, '');
}

export function summarise(
  file: string,
  profile: CpuProfile,
  top = 15,
  lastSeconds = Infinity,
): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  const from = profile.endTime - lastSeconds * 1e6;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= from) selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = profile.endTime - Math.max(profile.startTime, from);
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const name =
      `${functionName || '(anonymous)'} ${url ? `${moduleOf(url, functionName)}:${lineNumber + 1}` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + micros);
    const module = moduleOf(url, functionName);
    modules.set(module, (modules.get(module) ?? 0) + micros);
  }
  const busy = total - idle;
  const roles = new Map<string, number>();
  for (const [module, micros] of modules) {
    const role = /^(proxy|storage-node|bench|local-cluster)\//.exec(module)?.[1];
    if (role) roles.set(role, (roles.get(role) ?? 0) + micros);
  }
  const role = [...roles].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown';
  const rank = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, percent: Math.round((1000 * micros) / busy) / 10 }));
  return {
    file: basename(file),
    role,
    seconds: Math.round(total / 1e5) / 10,
    busyPercent: Math.round((1000 * busy) / total) / 10,
    functions: rank(functions),
    modules: rank(modules),
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '15' }, last: { type: 'string' } },
  });
  const files: string[] = [];
  for (const path of positionals) {
    if ((await stat(path)).isDirectory())
      for (const name of await readdir(path)) {
        if (name.endsWith('.cpuprofile')) files.push(join(path, name));
      }
    else files.push(path);
  }
  for (const file of files) {
    const summary = summarise(
      file,
      JSON.parse(await readFile(file, 'utf8')) as CpuProfile,
      Number(values.top),
      values.last === undefined ? Infinity : Number(values.last),
    );
    process.stdout.write(
      `\n## ${summary.role} (${summary.file}): ${summary.seconds} s, CPU busy ${summary.busyPercent}%\n\n` +
        `self time by module (% of busy):\n${summary.modules.map((m) => `  ${String(m.percent).padStart(5)}%  ${m.name}`).join('\n')}\n` +
        `self time by function:\n${summary.functions.map((f) => `  ${String(f.percent).padStart(5)}%  ${f.name}`).join('\n')}\n`,
    );
  }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  main().catch((err: unknown) => {
    process.stderr.write(`profile-summary: ${String(err)}\n`);
    process.exitCode = 1;
  });
}
