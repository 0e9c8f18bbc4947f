/**
 * Which ring devices are this node's: those whose ip is one of this host's addresses (or the
 * bind_ip) and whose port is the port this node serves that ring on.
 */
import { networkInterfaces } from 'node:os';
import type { Ring } from '../common/ring/ring.js';
import type { RingDevice } from '../common/ring/ring-data.js';

export function localAddresses(bindIp: string): Set<string> {
  const addresses = new Set<string>([bindIp]);
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) addresses.add(entry.address);
  }
  return addresses;
}

export function localRingDevices(ring: Ring, bindIp: string, port: number): RingDevice[] {
  const addresses = localAddresses(bindIp);
  return ring.devices.filter((dev) => dev.port === port && addresses.has(dev.ip));
}

export function isSameDevice(
  a: Pick<RingDevice, 'ip' | 'port' | 'device'>,
  b: Pick<RingDevice, 'ip' | 'port' | 'device'>,
): boolean {
  return a.ip === b.ip && a.port === b.port && a.device === b.device;
}
