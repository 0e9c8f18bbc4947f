/**
 * The devices (directories under `devices`, e.g. /srv/node/sdb1) a storage node serves.
 * A device that is missing, or not a mount point when mount_check is on, answers 507 as in
 * Swift, so the proxy stops using it and writes to a handoff instead.
 */
import { statfsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StratusError } from '../common/errors.js';

export class Devices {
  constructor(
    readonly root: string,
    private readonly mountCheck: boolean,
  ) {}

  /** The device's directory, after checking it is there (and mounted, with mount_check). */
  path(device: string): string {
    const path = join(this.root, device);
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info?.isDirectory()) throw notMounted(device);
    if (this.mountCheck) {
      const parent = statSync(dirname(path));
      if (parent.dev === info.dev) throw notMounted(device);
    }
    return path;
  }

  /** Bytes a write may still use on the device, keeping `reserve` free. */
  writableBytes(devicePath: string, reserve: Reserve): number {
    const fs = statfsSync(devicePath);
    const total = fs.blocks * fs.bsize;
    const free = fs.bavail * fs.bsize;
    const keep =
      reserve.percent !== undefined ? (total * reserve.percent) / 100 : (reserve.bytes ?? 0);
    return free - keep;
  }
}

/** Space kept free on each device: Swift's fallocate_reserve, in bytes or as a percentage. */
export interface Reserve {
  bytes?: number;
  percent?: number;
}

export function parseReserve(text: string): Reserve {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(text);
  if (!match)
    throw new StratusError(
      'CONFIG_INVALID',
      `fallocate_reserve must be bytes or a percentage, got ${JSON.stringify(text)}`,
    );
  return match[2] ? { percent: Number(match[1]) } : { bytes: Number(match[1]) };
}

export function notMounted(device: string): StratusError {
  return new StratusError(
    'INSUFFICIENT_STORAGE',
    `Insufficient Storage: drive ${device} is not available`,
  );
}
