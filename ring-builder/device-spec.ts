/**
 * swift-ring-builder's device strings:
 *   add value:    [r<region>]z<zone>-<ip>:<port>[R<r_ip>:<r_port>]/<device>[_<meta>]
 *   search value: d<id>r<region>z<zone>-<ip>:<port>R<r_ip>:<r_port>/<device>_<meta>, any part
 *                 optional (the `-` before the ip only needed after an id, region or zone)
 * and the `d0r1z1-127.0.0.1:6200R127.0.0.1:6200/sdb1_""` form devices are printed in.
 * IPv6 addresses are written in brackets: `r1z1-[::1]:6200/sdb1`.
 */
import { isIP } from 'node:net';
import type { RingDevice } from '../common/ring/ring-data.js';
import { RingBuilderError } from './builder-error.js';

export interface AddValue {
  region: number;
  zone: number;
  ip: string;
  port: number;
  replicationIp: string;
  replicationPort: number;
  device: string;
  meta: string;
  /** True when the string gave no region (Swift then warns and uses region 1). */
  defaultedRegion: boolean;
}

export type DeviceFilter = Partial<Omit<RingDevice, 'meta'>> & { meta?: string };

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** Checks an ip (v4 or v6, without brackets) or hostname; a dotted quad must be a real address. */
export function validateHost(host: string): string {
  if (isIP(host)) return host;
  if (/^[\d.]+$/.test(host) || !HOSTNAME.test(host))
    throw new RingBuilderError(`Invalid ip ${host}`);
  return host;
}

/** Reads `<ip>` or `[<ipv6>]` from the start of `text`; returns the host and the rest. */
function takeHost(text: string, what: string): [string, string] {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) throw new RingBuilderError(`Invalid ${what}: missing ] in ${text}`);
    return [validateHost(text.slice(1, end)), text.slice(end + 1)];
  }
  const match = /^[A-Za-z0-9.-]*?(?=:|$)/.exec(text);
  const host = match?.[0] ?? '';
  if (host === '') throw new RingBuilderError(`Invalid ${what}: no ip in ${text}`);
  return [validateHost(host), text.slice(host.length)];
}

function takePort(text: string, original: string): [number, string] {
  const match = /^:(\d+)/.exec(text);
  if (!text.startsWith(':')) throw new RingBuilderError('Invalid port in add value');
  if (!match)
    throw new RingBuilderError(`Invalid port ${/^:[^R/]*/.exec(text)?.[0] ?? text} in add value`);
  const port = Number(match[1]);
  if (port < 1 || port > 65535) throw new RingBuilderError(`Invalid port ${port} in ${original}`);
  return [port, text.slice(match[0].length)];
}

/** Parses an `add` device string. */
export function parseAddValue(value: string): AddValue {
  const head = /^(?:r(\d+))?z(\d+)-(.*)$/.exec(value);
  if (!head) throw new RingBuilderError(`Invalid add value: ${value}`);
  let rest = head[3]!;
  const hostEnd = rest.startsWith('[') ? rest.indexOf(']') + 1 : rest.search(/[:/]/);
  if (hostEnd <= 0) throw new RingBuilderError(`Invalid add value: ${value}`);
  const ip = validateHost(rest.slice(0, hostEnd).replace(/^\[|\]$/g, ''));
  const [port, afterPort] = takePort(rest.slice(hostEnd), value);
  rest = afterPort;
  let replicationIp = ip;
  let replicationPort = port;
  if (rest.startsWith('R')) {
    [replicationIp, rest] = takeHost(rest.slice(1), 'replication ip');
    [replicationPort, rest] = takePort(rest, value);
  }
  if (!rest.startsWith('/')) throw new RingBuilderError(`Invalid add value: ${value}`);
  const [device = '', ...metaParts] = rest.slice(1).split('_');
  if (device === '') throw new RingBuilderError('Invalid device name');
  return {
    region: head[1] === undefined ? 1 : Number(head[1]),
    zone: Number(head[2]),
    ip,
    port,
    replicationIp,
    replicationPort,
    device,
    meta: unquote(metaParts.join('_')),
    defaultedRegion: head[1] === undefined,
  };
}

/** Parses a search value into the fields it names. */
export function parseSearchValue(value: string): DeviceFilter {
  const filter: DeviceFilter = {};
  let rest = value;
  const takeNumber = (prefix: string): number | undefined => {
    const match = new RegExp(`^${prefix}(\\d+)`).exec(rest);
    if (!match) return undefined;
    rest = rest.slice(match[0].length);
    return Number(match[1]);
  };
  const takeIp = (): string | undefined => {
    if (/^\d/.test(rest)) {
      const ip = /^[\d.]+/.exec(rest)![0];
      rest = rest.slice(ip.length);
      return validateHost(ip);
    }
    if (rest.startsWith('[')) {
      let ip: string;
      [ip, rest] = takeHost(rest, 'ip');
      return ip;
    }
    return undefined;
  };
  const id = takeNumber('d');
  if (id !== undefined) filter.id = id;
  const region = takeNumber('r');
  if (region !== undefined) filter.region = region;
  const zone = takeNumber('z');
  if (zone !== undefined) filter.zone = zone;
  if (rest.startsWith('-')) rest = rest.slice(1);
  const ip = takeIp();
  if (ip !== undefined) filter.ip = ip;
  const port = takeNumber(':');
  if (port !== undefined) filter.port = port;
  if (rest.startsWith('R')) {
    rest = rest.slice(1);
    const replicationIp = takeIp();
    if (replicationIp !== undefined) filter.replicationIp = replicationIp;
    const replicationPort = takeNumber(':');
    if (replicationPort !== undefined) filter.replicationPort = replicationPort;
  }
  const device = /^\/([^_]*)/.exec(rest);
  if (device) {
    filter.device = device[1]!;
    rest = rest.slice(device[0].length);
  }
  if (rest.startsWith('_')) {
    filter.meta = unquote(rest.slice(1));
    rest = '';
  }
  if (rest !== '' || Object.keys(filter).length === 0) {
    throw new RingBuilderError(`Invalid <search-value>: '${value}'`);
  }
  return filter;
}

/** True when every field the filter names matches (meta: substring, as Swift). */
export function matchesFilter(dev: RingDevice, filter: DeviceFilter): boolean {
  for (const [key, wanted] of Object.entries(filter) as [keyof DeviceFilter, unknown][]) {
    if (wanted === undefined) continue;
    if (key === 'meta') {
      if (!dev.meta.includes(wanted as string)) return false;
    } else if (dev[key] !== wanted) {
      return false;
    }
  }
  return true;
}

const bracket = (ip: string): string => (ip.includes(':') ? `[${ip}]` : ip);

/** `d0r1z1-127.0.0.1:6200R127.0.0.1:6200/sdb1_""`, as swift-ring-builder prints a device. */
export function formatDevice(dev: RingDevice): string {
  return (
    `d${dev.id}r${dev.region}z${dev.zone}-${bracket(dev.ip)}:${dev.port}` +
    `R${bracket(dev.replicationIp)}:${dev.replicationPort}/${dev.device}_${JSON.stringify(dev.meta)}`
  );
}

export function formatHostPort(ip: string, port: number): string {
  return `${bracket(ip)}:${port}`;
}

function unquote(meta: string): string {
  return meta.length >= 2 && meta.startsWith('"') && meta.endsWith('"') ? meta.slice(1, -1) : meta;
}
