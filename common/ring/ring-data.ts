/**
 * The ring file: what the builder writes and every process reads. Format (docs/ring-format.md):
 *
 *   gzip( "R1NG" | uint16 BE format version (1) | uint32 BE JSON length | JSON header
 *         | replica rows: each a little-endian uint16 array of device ids )
 *
 * This is Swift's ring format v1 layout; the JSON header holds the device list (holes as
 * null), `part_shift`, `replica_count`, `byteorder`, the lengths of the replica rows
 * (the last row is shorter for a fractional replica count), the build `version` and `id`,
 * and `hash_function` so a reader refuses a ring placed with a different hash.
 * gzip's mtime is fixed at 0, so equal rings are equal bytes and checksums compare rings.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { StratusError } from '../errors.js';

export const RING_MAGIC = 'R1NG';
export const RING_FORMAT_VERSION = 1;
export const HASH_FUNCTION = 'xxh64';
/** Marks a replica slot with no device (only inside the builder; never in a written ring). */
export const NO_DEVICE = 0xffff;

export interface RingDevice {
  id: number;
  region: number;
  zone: number;
  ip: string;
  port: number;
  replicationIp: string;
  replicationPort: number;
  device: string;
  weight: number;
  meta: string;
}

export interface RingData {
  devices: (RingDevice | null)[];
  /** One row per replica; row[r][part] is the device id of replica r of the partition. */
  replica2part2dev: Uint16Array[];
  partShift: number;
  replicaCount: number;
  /** The builder's version counter when this ring was written. */
  version: number;
  /** The builder's id, so a ring can be traced back to its builder. */
  builderId: string;
}

interface RingHeader {
  devs: (Record<string, unknown> | null)[];
  part_shift: number;
  replica_count: number;
  replica_lengths: number[];
  byteorder: 'little';
  hash_function: string;
  version: number;
  id: string;
}

export function serializeRing(ring: RingData): Buffer {
  const header: RingHeader = {
    byteorder: 'little',
    devs: ring.devices.map((dev) => (dev ? deviceToJson(dev) : null)),
    hash_function: HASH_FUNCTION,
    id: ring.builderId,
    part_shift: ring.partShift,
    replica_count: ring.replicaCount,
    replica_lengths: ring.replica2part2dev.map((row) => row.length),
    version: ring.version,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(10);
  prefix.write(RING_MAGIC, 0, 'ascii');
  prefix.writeUInt16BE(RING_FORMAT_VERSION, 4);
  prefix.writeUInt32BE(json.length, 6);
  const rows = ring.replica2part2dev.map(encodeUint16LE);
  return gzipSync(Buffer.concat([prefix, json, ...rows]), { level: 6 });
}

export function deserializeRing(compressed: Buffer, source = 'ring'): RingData {
  let raw: Buffer;
  try {
    raw = gunzipSync(compressed);
  } catch (err) {
    throw invalidRing(source, 'not a gzip stream', err);
  }
  if (raw.length < 10 || raw.toString('ascii', 0, 4) !== RING_MAGIC) {
    throw invalidRing(source, `does not start with ${RING_MAGIC}`);
  }
  const formatVersion = raw.readUInt16BE(4);
  if (formatVersion !== RING_FORMAT_VERSION) {
    throw invalidRing(source, `format version ${formatVersion} is not supported (expected 1)`);
  }
  const jsonLength = raw.readUInt32BE(6);
  let header: RingHeader;
  try {
    header = JSON.parse(raw.toString('utf8', 10, 10 + jsonLength)) as RingHeader;
  } catch (err) {
    throw invalidRing(source, 'header is not valid JSON', err);
  }
  if (header.hash_function !== HASH_FUNCTION) {
    throw invalidRing(source, `uses hash function ${header.hash_function}, not ${HASH_FUNCTION}`);
  }
  const partCount = 2 ** (32 - header.part_shift);
  let offset = 10 + jsonLength;
  const replica2part2dev = header.replica_lengths.map((length) => {
    if (length > partCount)
      throw invalidRing(source, 'a replica row is longer than the partition count');
    if (offset + length * 2 > raw.length) throw invalidRing(source, 'replica table is truncated');
    const row = decodeUint16LE(raw.subarray(offset, offset + length * 2));
    offset += length * 2;
    return row;
  });
  const devices = header.devs.map((dev) => (dev ? deviceFromJson(dev) : null));
  for (const row of replica2part2dev) {
    for (const id of row) {
      if (!devices[id]) throw invalidRing(source, `replica table names missing device ${id}`);
    }
  }
  return {
    devices,
    replica2part2dev,
    partShift: header.part_shift,
    replicaCount: header.replica_count,
    version: header.version,
    builderId: header.id,
  };
}

/** A device-id row as little-endian bytes, whatever the machine's byte order. */
export function encodeUint16LE(row: Uint16Array): Buffer {
  const bytes = Buffer.alloc(row.length * 2);
  for (let i = 0; i < row.length; i++) bytes.writeUInt16LE(row[i]!, i * 2);
  return bytes;
}

export function decodeUint16LE(bytes: Buffer): Uint16Array {
  const row = new Uint16Array(bytes.length >> 1);
  for (let i = 0; i < row.length; i++) row[i] = bytes.readUInt16LE(i * 2);
  return row;
}

/** Swift's device keys, so the JSON reads like a Swift ring's. */
export function deviceToJson(dev: RingDevice): Record<string, unknown> {
  return {
    device: dev.device,
    id: dev.id,
    ip: dev.ip,
    meta: dev.meta,
    port: dev.port,
    region: dev.region,
    replication_ip: dev.replicationIp,
    replication_port: dev.replicationPort,
    weight: dev.weight,
    zone: dev.zone,
  };
}

export function deviceFromJson(json: Record<string, unknown>): RingDevice {
  return {
    id: Number(json.id),
    region: Number(json.region),
    zone: Number(json.zone),
    ip: String(json.ip),
    port: Number(json.port),
    replicationIp: String(json.replication_ip ?? json.ip),
    replicationPort: Number(json.replication_port ?? json.port),
    device: String(json.device),
    weight: Number(json.weight),
    meta: typeof json.meta === 'string' ? json.meta : '',
  };
}

function invalidRing(source: string, why: string, cause?: unknown): StratusError {
  return new StratusError('RING_INVALID', `${source}: invalid ring file: ${why}`, { cause });
}
