/**
 * Configuration in Swift's INI dialect, so SAIO files and Swift's docs carry over:
 * `[section]` headers, `key = value` (or `key: value`), `#`/`;` comment lines, indented
 * continuation lines, `[DEFAULT]` values inherited by every section, paste-deploy's
 * `set key = value` to override a default inside a section, and `%(name)s` interpolation
 * (with `here` = the file's folder). Keys are case-insensitive, as in Python's ConfigParser.
 *
 * Typed getters validate as they read and name the file, section and key in every error.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { StratusError } from './errors.js';

const TRUE_VALUES = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_VALUES = new Set(['false', '0', 'no', 'off', 'f', 'n']);

export interface NumberRange {
  min?: number;
  max?: number;
}

interface RawSection {
  values: Map<string, string>;
  /** Keys set explicitly in this section (not inherited from DEFAULT), as written. */
  own: Set<string>;
}

export class Config {
  private constructor(
    readonly source: string,
    private readonly defaults: Map<string, string>,
    private readonly raw: Map<string, RawSection>,
  ) {}

  /** Parses INI text; `source` names it in errors, `here` feeds `%(here)s`. */
  static parse(text: string, source = '<config>', here = '.'): Config {
    const defaults = new Map<string, string>([['here', here]]);
    const raw = new Map<string, RawSection>();
    let current: Map<string, string> | undefined;
    let currentOwn: Set<string> | undefined;
    let lastKey: string | undefined;
    const lines = text.split(/\r?\n/);
    lines.forEach((line, index) => {
      const where = `${source}:${index + 1}`;
      if (/^\s*([#;].*)?$/.test(line)) return;
      if (/^\s/.test(line) && lastKey !== undefined && current) {
        current.set(lastKey, `${current.get(lastKey) ?? ''}\n${line.trim()}`);
        return;
      }
      const header = /^\[([^\]]+)\]\s*$/.exec(line);
      if (header) {
        const name = header[1]!.trim();
        if (name === 'DEFAULT') {
          current = defaults;
          currentOwn = undefined;
        } else {
          const section = raw.get(name) ?? { values: new Map<string, string>(), own: new Set() };
          raw.set(name, section);
          current = section.values;
          currentOwn = section.own;
        }
        lastKey = undefined;
        return;
      }
      const pair = /^(?:set\s+)?([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
      if (!pair || !current) {
        throw configError(
          `${where}: expected "[section]" or "key = value", got ${JSON.stringify(line)}`,
        );
      }
      const written = pair[1]!.trim();
      const key = written.toLowerCase();
      current.set(key, pair[2]!.trim());
      currentOwn?.add(written);
      lastKey = key;
    });
    return new Config(source, defaults, raw);
  }

  static async load(path: string): Promise<Config> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw configError(`cannot read config file ${path}: ${(err as Error).message}`, err);
    }
    return Config.parse(text, path, dirname(resolve(path)));
  }

  has(section: string): boolean {
    return this.raw.has(section);
  }

  sectionNames(): string[] {
    return [...this.raw.keys()];
  }

  /** A section's values merged over `[DEFAULT]`; a missing section reads as defaults only. */
  section(name: string): ConfigSection {
    const section = this.raw.get(name);
    const merged = new Map(this.defaults);
    for (const [key, value] of section?.values ?? []) merged.set(key, value);
    return new ConfigSection(this.source, name, merged, section?.own ?? new Set());
  }

  /** A section that must exist. */
  requireSection(name: string): ConfigSection {
    if (!this.raw.has(name)) throw configError(`${this.source}: missing section [${name}]`);
    return this.section(name);
  }
}

export class ConfigSection {
  constructor(
    readonly source: string,
    readonly name: string,
    private readonly values: Map<string, string>,
    private readonly own: Set<string>,
  ) {}

  /** Builds a section from plain values, for code and tests that do not read a file. */
  static of(name: string, values: Record<string, string | number | boolean>): ConfigSection {
    const map = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), String(v)]));
    return new ConfigSection('<inline>', name, map, new Set(Object.keys(values)));
  }

  has(key: string): boolean {
    return this.values.has(key.toLowerCase());
  }

  /** Keys set in this section itself (not inherited from [DEFAULT]), in the case written. */
  keys(): string[] {
    return [...this.own];
  }

  /** A string value; required when no fallback is given. */
  string(key: string, fallback?: string): string {
    const value = this.lookup(key);
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    throw this.error(key, 'is required but not set');
  }

  int(key: string, fallback: number, range: NumberRange = {}): number {
    const text = this.lookup(key);
    if (text === undefined) return fallback;
    if (!/^[+-]?\d+$/.test(text))
      throw this.error(key, `expected an integer, got ${JSON.stringify(text)}`);
    return this.inRange(key, Number(text), range);
  }

  /** A decimal number, e.g. Swift's timeouts in seconds (`node_timeout = 0.5`). */
  number(key: string, fallback: number, range: NumberRange = {}): number {
    const text = this.lookup(key);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) {
      throw this.error(key, `expected a number, got ${JSON.stringify(text)}`);
    }
    return this.inRange(key, value, range);
  }

  /** Swift's boolean words: true/1/yes/on/t/y and false/0/no/off/f/n, any case. */
  bool(key: string, fallback: boolean): boolean {
    const text = this.lookup(key);
    if (text === undefined) return fallback;
    const word = text.toLowerCase();
    if (TRUE_VALUES.has(word)) return true;
    if (FALSE_VALUES.has(word)) return false;
    throw this.error(key, `expected true or false, got ${JSON.stringify(text)}`);
  }

  /** A comma- or whitespace-separated list. */
  list(key: string, fallback: string[] = []): string[] {
    const text = this.lookup(key);
    if (text === undefined) return fallback;
    return text.split(/[,\s]+/).filter((item) => item !== '');
  }

  /** One of a fixed set of words, in any case (`INFO` reads as `info`). */
  choice<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const text = this.lookup(key);
    if (text === undefined) return fallback;
    const match = choices.find((choice) => choice.toLowerCase() === text.toLowerCase());
    if (match !== undefined) return match;
    throw this.error(key, `expected one of ${choices.join(', ')}, got ${JSON.stringify(text)}`);
  }

  /** Throws for keys set in this section that the reader does not know: typos fail loudly. */
  rejectUnknown(known: readonly string[]): void {
    const knownSet = new Set(known.map((k) => k.toLowerCase()));
    for (const key of this.own) {
      if (!knownSet.has(key.toLowerCase()))
        throw this.error(key, `is not a known setting of [${this.name}]`);
    }
  }

  private lookup(key: string): string | undefined {
    const value = this.values.get(key.toLowerCase());
    return value === undefined ? undefined : this.interpolate(key, value, 0);
  }

  private interpolate(key: string, value: string, depth: number): string {
    if (depth > 10) throw this.error(key, 'interpolation nests too deeply');
    return value.replace(/%(%|\(([^)]+)\)s)/g, (_whole, marker: string, name?: string) => {
      if (marker === '%') return '%';
      const referenced = this.values.get(name!.toLowerCase());
      if (referenced === undefined) throw this.error(key, `refers to unknown %(${name})s`);
      return this.interpolate(key, referenced, depth + 1);
    });
  }

  private inRange(key: string, value: number, { min, max }: NumberRange): number {
    if (min !== undefined && value < min)
      throw this.error(key, `must be at least ${min}, got ${value}`);
    if (max !== undefined && value > max)
      throw this.error(key, `must be at most ${max}, got ${value}`);
    return value;
  }

  private error(key: string, problem: string): StratusError {
    return configError(`${this.source} [${this.name}] ${key.toLowerCase()} ${problem}`);
  }
}

function configError(message: string, cause?: unknown): StratusError {
  return new StratusError('CONFIG_INVALID', message, { cause });
}
