/**
 * The builder file (`object.builder`): everything needed to rebalance again with minimal
 * movement — devices, the table, the move clocks. Losing it means re-placing nearly every
 * partition, so it is written atomically and a copy goes to `backups/` on every rebalance.
 *
 * Format: gzip of one JSON document, `{"format": "stratus-ring-builder", "format_version": 1,
 * ...}` with byte arrays (table rows, move clocks) as base64 of little-endian values.
 */
import { readFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../common/atomic-file.js';
import {
  decodeUint16LE,
  deviceFromJson,
  deviceToJson,
  encodeUint16LE,
} from '../common/ring/ring-data.js';
import { RingBuilderError } from './builder-error.js';
import { RingBuilder } from './builder.js';

const FORMAT = 'stratus-ring-builder';
const FORMAT_VERSION = 1;

interface BuilderJson {
  format: string;
  format_version: number;
  id: string;
  version: number;
  part_power: number;
  replicas: number;
  min_part_hours: number;
  devs: (Record<string, unknown> | null)[];
  pending_removal: number[];
  devs_changed: boolean;
  last_part_moves_epoch: number;
  last_part_moves: string;
  replica2part2dev: string[];
}

export function serializeBuilder(builder: RingBuilder): Buffer {
  const json: BuilderJson = {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    id: builder.id,
    version: builder.version,
    part_power: builder.partPower,
    replicas: builder.replicas,
    min_part_hours: builder.minPartHours,
    devs: builder.devs.map((dev) => (dev ? deviceToJson(dev) : null)),
    pending_removal: [...builder.pendingRemoval],
    devs_changed: builder.devsChanged,
    last_part_moves_epoch: builder.lastPartMovesEpoch,
    last_part_moves: Buffer.from(builder.lastPartMoves).toString('base64'),
    replica2part2dev: builder.table.map((row) => encodeUint16LE(row).toString('base64')),
  };
  return gzipSync(JSON.stringify(json));
}

export function deserializeBuilder(compressed: Buffer, source: string): RingBuilder {
  let json: BuilderJson;
  try {
    json = JSON.parse(gunzipSync(compressed).toString('utf8')) as BuilderJson;
  } catch {
    throw new RingBuilderError(`${source} is not a Stratus ring builder file (cannot decode it)`);
  }
  if (json.format !== FORMAT)
    throw new RingBuilderError(`${source} is not a Stratus ring builder file`);
  if (json.format_version !== FORMAT_VERSION) {
    throw new RingBuilderError(
      `${source}: builder format version ${json.format_version} is not supported`,
    );
  }
  const builder = new RingBuilder(json.part_power, json.replicas, json.min_part_hours);
  builder.id = json.id;
  builder.version = json.version;
  builder.devs = json.devs.map((dev) => (dev ? { ...deviceFromJson(dev), parts: 0 } : null));
  builder.pendingRemoval = new Set(json.pending_removal);
  builder.devsChanged = json.devs_changed;
  builder.lastPartMovesEpoch = json.last_part_moves_epoch;
  builder.lastPartMoves = new Uint8Array(Buffer.from(json.last_part_moves, 'base64'));
  builder.table = json.replica2part2dev.map((row) => decodeUint16LE(Buffer.from(row, 'base64')));
  if (builder.lastPartMoves.length !== builder.partCount) {
    throw new RingBuilderError(
      `${source} is damaged: move clocks do not match the partition count`,
    );
  }
  builder.recountParts();
  return builder;
}

export async function loadBuilder(path: string): Promise<RingBuilder> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RingBuilderError(
        `Ring builder file does not exist: ${path}. Create it with: stratus-ring-builder ${path} create <part_power> <replicas> <min_part_hours>`,
      );
    }
    throw new RingBuilderError(`Cannot read ${path}: ${(err as Error).message}`);
  }
  return deserializeBuilder(bytes, path);
}

export async function saveBuilder(builder: RingBuilder, path: string): Promise<void> {
  await writeFileAtomic(path, serializeBuilder(builder));
}
