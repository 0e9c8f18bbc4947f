/**
 * Option parsing shared by the device commands: Swift's long and short device options,
 * the positional search values, and the "matched more than one device" confirmation.
 */
import { parseArgs } from 'node:util';
import { RingBuilderError } from '../builder-error.js';
import type { BuilderDevice, RingBuilder } from '../builder.js';
import {
  formatDevice,
  matchesFilter,
  parseSearchValue,
  validateHost,
  type DeviceFilter,
} from '../device-spec.js';
import type { CommandContext } from './context.js';

export const DEVICE_OPTIONS = {
  id: { type: 'string', short: 'u' },
  region: { type: 'string', short: 'r' },
  zone: { type: 'string', short: 'z' },
  ip: { type: 'string', short: 'i' },
  port: { type: 'string', short: 'p' },
  'replication-ip': { type: 'string', short: 'j' },
  'replication-port': { type: 'string', short: 'q' },
  device: { type: 'string', short: 'd' },
  weight: { type: 'string', short: 'w' },
  meta: { type: 'string', short: 'm' },
  yes: { type: 'boolean', short: 'y' },
} as const;

export type DeviceOptionValues = Partial<
  Record<Exclude<keyof typeof DEVICE_OPTIONS, 'yes'>, string>
> & {
  yes?: boolean;
};

export function parseDeviceArgs(args: string[]): {
  values: DeviceOptionValues;
  positionals: string[];
} {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: DEVICE_OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (err) {
    throw new RingBuilderError((err as Error).message);
  }
}

/** True when any device-selecting option (not --yes) was given. */
export function hasDeviceOptions(values: DeviceOptionValues): boolean {
  return Object.entries(values).some(([key, value]) => key !== 'yes' && value !== undefined);
}

export function parseNumber(text: string, what: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new RingBuilderError(`Invalid ${what}: ${JSON.stringify(text)} is not a number`);
  return value;
}

export function parseInteger(text: string, what: string): number {
  if (!/^\d+$/.test(text))
    throw new RingBuilderError(`Invalid ${what}: ${JSON.stringify(text)} is not a whole number`);
  return Number(text);
}

/** A device filter from the option form (`--region 1 --zone 2 …`). */
export function filterFromOptions(values: DeviceOptionValues): DeviceFilter {
  const filter: DeviceFilter = {};
  if (values.id !== undefined) filter.id = parseInteger(values.id, 'id');
  if (values.region !== undefined) filter.region = parseInteger(values.region, 'region');
  if (values.zone !== undefined) filter.zone = parseInteger(values.zone, 'zone');
  if (values.ip !== undefined) filter.ip = validateHost(values.ip.replace(/^\[|\]$/g, ''));
  if (values.port !== undefined) filter.port = parseInteger(values.port, 'port');
  if (values['replication-ip'] !== undefined)
    filter.replicationIp = validateHost(values['replication-ip'].replace(/^\[|\]$/g, ''));
  if (values['replication-port'] !== undefined)
    filter.replicationPort = parseInteger(values['replication-port'], 'replication port');
  if (values.device !== undefined) filter.device = values.device;
  if (values.weight !== undefined) filter.weight = parseNumber(values.weight, 'weight');
  if (values.meta !== undefined) filter.meta = values.meta;
  return filter;
}

export function searchDevices(builder: RingBuilder, filter: DeviceFilter): BuilderDevice[] {
  return builder.devices.filter((dev) => matchesFilter(dev, filter));
}

export function searchByValue(builder: RingBuilder, value: string): BuilderDevice[] {
  return searchDevices(builder, parseSearchValue(value));
}

/**
 * Swift's check_devs: none matched is an error; several matched are listed and need a `y`
 * (or --yes). Returns false when the operator declined.
 */
export async function confirmDevices(
  ctx: CommandContext,
  devices: BuilderDevice[],
  question: string,
  abortMessage: string,
  yes: boolean,
): Promise<boolean> {
  if (devices.length === 0) {
    ctx.io.out('Search value matched 0 devices.\nThe on-disk ring builder is unchanged.');
    return false;
  }
  if (devices.length > 1) {
    ctx.io.out('Matched more than one device:');
    for (const dev of devices) ctx.io.out(`    ${formatDevice(dev)}`);
    if (!yes) {
      const answer = await ctx.io.ask(
        `Are you sure you want to ${question.replace('%d', String(devices.length))}? (y/N) `,
      );
      if (answer?.trim() !== 'y') {
        ctx.io.out(abortMessage);
        return false;
      }
    }
  }
  return true;
}
