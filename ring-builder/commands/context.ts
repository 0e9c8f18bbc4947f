/**
 * What every ring-builder command gets: the builder and ring paths, output, a way to ask
 * the operator, and load/save helpers that keep Swift's habits (backups/ beside the builder,
 * atomic writes, the ring file named after the builder).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../common/atomic-file.js';
import { serializeRing } from '../../common/ring/ring-data.js';
import { loadBuilder, serializeBuilder } from '../builder-file.js';
import type { RingBuilder } from '../builder.js';

export const EXIT_SUCCESS = 0;
export const EXIT_WARNING = 1;
export const EXIT_ERROR = 2;

export interface CliIO {
  out(line?: string): void;
  err(line?: string): void;
  /** Asks a yes/no question; resolves to the answer line, or undefined at end of input. */
  ask(question: string): Promise<string | undefined>;
  /** Raw progress output (stderr): no newline added. */
  progress(text: string): void;
  /** True when stderr is a terminal (progress may redraw one line). */
  interactive: boolean;
}

export interface CommandContext {
  builderPath: string;
  ringPath: string;
  io: CliIO;
  /** Seconds since the epoch. */
  now(): number;
  load(): Promise<RingBuilder>;
  /** Saves the builder atomically; with `backup`, also a timestamped copy in backups/. */
  save(builder: RingBuilder, options?: { backup?: boolean }): Promise<void>;
  /** Writes `<name>.ring.gz` (and its backup) from the builder. */
  writeRing(builder: RingBuilder): Promise<void>;
  /** The ring file's current bytes, or undefined when there is none. */
  readRing(): Promise<Buffer | undefined>;
}

export interface Command {
  name: string;
  /** Help text, printed on bad usage and by the bare command: the docstring of Swift's CLI. */
  usage: string;
  run(ctx: CommandContext, args: string[]): Promise<number>;
}

export function createContext(
  builderPath: string,
  ringPath: string,
  io: CliIO,
  now = () => Date.now() / 1000,
): CommandContext {
  const backups = join(dirname(builderPath), 'backups');
  const backupName = (path: string): string =>
    join(backups, `${Math.floor(now())}.${basename(path)}`);
  return {
    builderPath,
    ringPath,
    io,
    now,
    load: () => loadBuilder(builderPath),
    async save(builder, options = {}) {
      const bytes = serializeBuilder(builder);
      if (options.backup) {
        await mkdir(backups, { recursive: true });
        await writeFileAtomic(backupName(builderPath), bytes);
      }
      await writeFileAtomic(builderPath, bytes);
    },
    async writeRing(builder) {
      const bytes = serializeRing(builder.toRingData());
      await mkdir(backups, { recursive: true });
      await writeFileAtomic(backupName(ringPath), bytes);
      await writeFileAtomic(ringPath, bytes);
    },
    async readRing() {
      try {
        return await readFile(ringPath);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
  };
}

/** Swift's rule: `x.ring.gz` → builder `x.builder`; `x.builder` (or `x`) → ring `x.ring.gz`. */
export function builderAndRingPaths(arg: string): { builderPath: string; ringPath: string } {
  if (arg.endsWith('.ring.gz'))
    return { builderPath: `${arg.slice(0, -8)}.builder`, ringPath: arg };
  const stem = arg.endsWith('.builder') ? arg.slice(0, -8) : arg;
  return { builderPath: arg, ringPath: `${stem}.ring.gz` };
}
