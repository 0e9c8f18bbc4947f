/**
 * Backend paths: `/<device>/<partition>/<account>[/<container>[/<object>]]`. Every part is
 * percent-decoded once and validated here, before any file is touched: a device name is a
 * plain directory name, a partition an integer inside the ring, names valid UTF-8 without NUL.
 * Names are hashed into file paths, so no name can reach outside its device.
 */
import { StratusError } from '../../common/errors.js';

export interface BackendPath {
  device: string;
  partition: number;
  account: string;
  container?: string;
  /** The object name (may contain `/`). */
  object?: string;
}

const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function invalid(message: string): StratusError {
  return new StratusError('INVALID_PATH', message);
}

function decode(segment: string, what: string): string {
  let text: string;
  try {
    text = decodeURIComponent(segment);
  } catch {
    throw invalid(`Invalid ${what}: bad percent-encoding`);
  }
  if (text.includes('\0') || !text.isWellFormed())
    throw invalid(`Invalid ${what}: not valid UTF-8`);
  return text;
}

/**
 * Splits a request path into its parts, `min` to `max` of them counting the device and the
 * partition (so 3 = account, 4 = container, 5 = object); the object part keeps its slashes.
 */
export function parseBackendPath(
  rawPath: string,
  min: 3 | 4 | 5,
  max: 3 | 4 | 5,
  partitionCount: number,
): BackendPath {
  if (!rawPath.startsWith('/')) throw invalid('Invalid path');
  const segments = rawPath.slice(1).split('/');
  const parts =
    max === 5 && segments.length > 5
      ? [...segments.slice(0, 4), segments.slice(4).join('/')]
      : segments;
  if (parts.length < min || parts.length > max)
    throw invalid(`Invalid path: expected ${min} to ${max} parts`);
  const [deviceRaw = '', partitionRaw = '', accountRaw = '', containerRaw, objectRaw] = parts;
  const device = decode(deviceRaw, 'device');
  if (!DEVICE_NAME.test(device) || device === '..')
    throw invalid(`Invalid device: ${JSON.stringify(device)}`);
  if (!/^\d+$/.test(partitionRaw))
    throw invalid(`Invalid partition: ${JSON.stringify(partitionRaw)}`);
  const partition = Number(partitionRaw);
  if (partition >= partitionCount)
    throw invalid(`Invalid partition: ${partition} is outside the ring`);
  const path: BackendPath = { device, partition, account: decode(accountRaw, 'account') };
  if (path.account === '') throw invalid('Invalid path: empty account');
  if (containerRaw !== undefined) {
    path.container = decode(containerRaw, 'container');
    if (path.container === '') throw invalid('Invalid path: empty container');
  }
  if (objectRaw !== undefined) {
    path.object = decode(objectRaw, 'object');
    if (path.object === '') throw invalid('Invalid path: empty object name');
  }
  return path;
}

/** `/<device>/<partition>[/<rest>]`, for requests about a whole partition (REPLICATE). */
export function parsePartitionPath(
  rawPath: string,
  partitionCount: number,
): { device: string; partition: number; rest: string } {
  const [, deviceRaw = '', partitionRaw = '', ...rest] = rawPath.split('/');
  const { device, partition } = parseBackendPath(
    `/${deviceRaw}/${partitionRaw}/x`,
    3,
    3,
    partitionCount,
  );
  return { device, partition, rest: decode(rest.join('/'), 'path') };
}
