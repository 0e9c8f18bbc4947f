/**
 * The scenarios of issue 8, in the order they run: each size class's PUTs come before the
 * reads of what they stored. Ids are stable (`put-4KiB-c16`): reports, charts and `--only`
 * use them.
 */

export type Operation = 'put' | 'get' | 'head' | 'list' | 'mixed';

export interface Scenario {
  id: string;
  label: string;
  operation: Operation;
  /** Object size in bytes (listings: 0). */
  size: number;
  /** Listing page size. */
  limit?: number;
  connections: number;
  /** The headline figure: requests/s for small requests, MiB/s for large bodies. */
  unit: 'req/s' | 'MiB/s';
}

export const KiB = 1024;
export const MiB = 1024 * 1024;

export function sizeName(size: number): string {
  return size >= MiB ? `${size / MiB}MiB` : `${size / KiB}KiB`;
}

export interface ScenarioOptions {
  connections: readonly number[];
  /** The large-object size (64 MiB by default; the self-test uses less). */
  largeSize: number;
  listingLimits: readonly number[];
}

export const DEFAULT_OPTIONS: ScenarioOptions = {
  connections: [16, 64],
  largeSize: 64 * MiB,
  listingLimits: [1000, 10_000],
};

export function allScenarios(options: ScenarioOptions = DEFAULT_OPTIONS): Scenario[] {
  const list: Scenario[] = [];
  const object = (operation: Operation, size: number, connections: number) => {
    const unit = size >= MiB ? 'MiB/s' : 'req/s';
    const verb = operation === 'mixed' ? 'GET/PUT 80/20' : operation.toUpperCase();
    list.push({
      id: `${operation}-${sizeName(size)}-c${connections}`,
      label: `${verb} ${sizeName(size).replace(/(\d)([KM])/, '$1 $2')} ×${connections}`,
      operation,
      size,
      connections,
      unit,
    });
  };
  for (const c of options.connections)
    for (const op of ['put', 'get', 'head'] as const) object(op, 4 * KiB, c);
  for (const c of options.connections) object('mixed', 4 * KiB, c);
  for (const c of options.connections) {
    for (const limit of options.listingLimits) {
      list.push({
        id: `list-${limit}-c${c}`,
        label: `listing ${limit.toLocaleString('en').replace(/,/g, ' ')} names ×${c}`,
        operation: 'list',
        size: 0,
        limit,
        connections: c,
        unit: 'req/s',
      });
    }
  }
  for (const size of [MiB, options.largeSize])
    for (const c of options.connections)
      for (const op of ['put', 'get'] as const) object(op, size, c);
  return list;
}

/** Picks scenarios by id or id prefix (`put-4KiB`, `list`); all when `only` is empty. */
export function selectScenarios(all: Scenario[], only: readonly string[]): Scenario[] {
  if (only.length === 0) return all;
  const picked = all.filter((s) => only.some((o) => s.id === o || s.id.startsWith(`${o}-`)));
  const unknown = only.filter((o) => !all.some((s) => s.id === o || s.id.startsWith(`${o}-`)));
  if (unknown.length > 0)
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${all.map((s) => s.id).join(' ')}`,
    );
  return picked;
}

/** The container each scenario's objects live in. */
export function containerFor(scenario: Scenario): string {
  return scenario.operation === 'list' ? 'bench-listing' : `bench-${sizeName(scenario.size)}`;
}

/** Which containers' objects can be deleted after each scenario (none is read later). */
export function releasesAfter(scenarios: readonly Scenario[]): Map<string, string[]> {
  const last = new Map<string, string>();
  for (const s of scenarios) if (s.size >= MiB) last.set(containerFor(s), s.id);
  const releases = new Map<string, string[]>();
  for (const [container, id] of last) releases.set(id, [...(releases.get(id) ?? []), container]);
  return releases;
}
