/**
 * Text output shaped like swift-ring-builder's, so operators' eyes and scripts carry over.
 */
import { isIPv6 } from 'node:net';
import type { BuilderDevice, RingBuilder } from './builder.js';
import type { DispersionReport } from './dispersion.js';

const pad = (text: string | number, width: number): string => String(text).padStart(width);
const padRight = (text: string | number, width: number): string => String(text).padEnd(width);
const fixed = (value: number, digits = 2): string => value.toFixed(digits);
const bracket = (ip: string): string => (ip.includes(':') ? `[${ip}]` : ip);

/** Python's timedelta rendering: `H:MM:SS`, or `D day(s), H:MM:SS`. */
export function formatDuration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const clock = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return days > 0 ? `${days} day${days === 1 ? '' : 's'}, ${clock}` : clock;
}

/** A weight as Python prints a float: `100.0`, `50.5`. */
export function formatWeight(weight: number): string {
  return Number.isInteger(weight) ? weight.toFixed(1) : String(weight);
}

/** The device table of the summary (`_make_display_device_table`): widths fit the data. */
export function deviceTable(builder: RingBuilder): string[] {
  const devices = [...builder.devices].sort(
    (a, b) =>
      a.region - b.region ||
      a.zone - b.zone ||
      a.ip.localeCompare(b.ip) ||
      a.device.localeCompare(b.device),
  );
  let ipWidth = Math.max(10, ...devices.map((d) => d.ip.length));
  let repIpWidth = Math.max(14, ...devices.map((d) => d.replicationIp.length));
  if (devices.some((d) => isIPv6(d.ip))) ipWidth += 2;
  if (devices.some((d) => isIPv6(d.replicationIp))) repIpWidth += 2;
  const portWidth = Math.max(4, ...devices.map((d) => String(d.port).length));
  const repPortWidth = Math.max(4, ...devices.map((d) => String(d.replicationPort).length));
  const weightWidth = Math.max(6, ...devices.map((d) => pad(fixed(d.weight), 6).length));
  const header =
    `Devices:${pad('id', 5)} ${pad('region', 6)} ${pad('zone', 4)} ${pad('ip address', ipWidth)}:${padRight('port', portWidth)} ` +
    `${pad('replication ip', repIpWidth)}:${padRight('port', repPortWidth)} ${pad('name', 5)} ${pad('weight', weightWidth)} ` +
    `${pad('partitions', 10)} ${pad('balance', 7)} ${pad('flags', 5)} meta`;
  const perPart = builder.weightOfOnePart();
  const rows = devices.map(
    (dev) =>
      `${pad(dev.id, 13)} ${pad(dev.region, 6)} ${pad(dev.zone, 4)} ${pad(bracket(dev.ip), ipWidth)}:${padRight(dev.port, portWidth)} ` +
      `${pad(bracket(dev.replicationIp), repIpWidth)}:${padRight(dev.replicationPort, repPortWidth)} ${pad(dev.device, 5)} ` +
      `${pad(fixed(dev.weight), weightWidth)} ${pad(dev.parts, 10)} ${pad(fixed(balanceOf(builder, dev, perPart)), 7)} ` +
      `${pad(builder.pendingRemoval.has(dev.id) ? 'DEL' : '', 5)} ${dev.meta}`,
  );
  return [header, ...rows];
}

/** The fixed-width table `search` prints (Swift's older layout, no flags, id order). */
export function searchTable(builder: RingBuilder, devices: BuilderDevice[]): string[] {
  const perPart = builder.weightOfOnePart();
  return [
    'Devices:    id  region  zone      ip address  port  replication ip  replication port      name weight partitions balance meta',
    ...devices.map(
      (dev) =>
        `         ${pad(dev.id, 5)} ${pad(dev.region, 7)} ${pad(dev.zone, 5)} ${pad(dev.ip, 15)} ${pad(dev.port, 5)} ` +
        `${pad(dev.replicationIp, 15)} ${pad(dev.replicationPort, 17)} ${pad(dev.device, 9)} ${pad(fixed(dev.weight), 6)} ` +
        `${pad(dev.parts, 10)} ${pad(fixed(balanceOf(builder, dev, perPart)), 7)} ${dev.meta}`,
    ),
  ];
}

function balanceOf(builder: RingBuilder, dev: BuilderDevice, perPart: number): number {
  return perPart > 0 || dev.weight === 0 ? builder.deviceBalance(dev, perPart) : 0;
}

/** The summary line: `N partitions, R replicas, … B balance, D dispersion`. */
export function summaryLine(builder: RingBuilder, dispersion: number): string {
  const devices = builder.devices;
  const regions = new Set(devices.map((d) => d.region)).size;
  const zones = new Set(devices.map((d) => `${d.region}/${d.zone}`)).size;
  return (
    `${builder.partCount} partitions, ${fixed(builder.replicas, 6)} replicas, ${regions} regions, ` +
    `${zones} zones, ${devices.length} devices, ${fixed(builder.getBalance())} balance, ${fixed(dispersion)} dispersion`
  );
}

/** `swift-ring-builder dispersion [-v]` output. */
export function dispersionLines(
  report: DispersionReport,
  builder: RingBuilder,
  dispersion: number,
  verbose: boolean,
): string[] {
  const lines = [
    `Dispersion is ${fixed(dispersion, 6)}, Balance is ${fixed(builder.getBalance(), 6)}, Overload is 0.00%`,
  ];
  if (report.worst)
    lines.push(`Worst tier is ${fixed(report.worst.dispersion, 6)} (${report.worst.name})`);
  if (!verbose || report.tiers.length === 0) return lines;
  const replicaColumns = Array.from({ length: Math.ceil(builder.replicas) + 1 }, (_, i) => i);
  const countWidth = Math.max(String(builder.partCount).length, 5);
  const tierWidth = Math.max(30, ...report.tiers.map((t) => t.name.length));
  const header =
    `${padRight('Tier', tierWidth)} ${pad('Parts', countWidth)} ${pad('%', 6)} ${pad('Max', 6)} ` +
    replicaColumns.map((n) => pad(n, countWidth)).join(' ');
  const rule = '-'.repeat(header.length);
  lines.push(rule, header, rule);
  for (const tier of report.tiers) {
    lines.push(
      `${padRight(tier.name, tierWidth)} ${pad(tier.parts, countWidth)} ${pad(fixed(tier.dispersion), 6)} ${pad(tier.max, 6)} ` +
        replicaColumns.map((n) => pad(tier.histogram[n] ?? 0, countWidth)).join(' '),
    );
  }
  return lines;
}

export const RULE = '-'.repeat(79);
