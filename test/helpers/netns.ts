/**
 * Hosts of their own for storage nodes: one network namespace per node, each joined to a
 * bridge by a veth pair, with loopback-range addresses (127.231.N.x; `route_localnet` lets
 * them cross the veths) so nothing ever leaves the machine. Created by the test, removed after.
 * Needs root and iproute2; `available()` says whether this machine allows it.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';

const sh = (command: string, args: string[]): string =>
  execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

export interface Hosts {
  /** Address of the test's own side (the bridge). */
  gateway: string;
  ips: string[];
  prefixes: string[][];
  /** Cuts or restores one host's link (its veth on the bridge side). */
  setLink(index: number, up: boolean): void;
  remove(): void;
}

export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    const name = `stprobe${randomInt(1e6)}`;
    sh('ip', ['netns', 'add', name]);
    sh('ip', ['netns', 'del', name]);
    return true;
  } catch {
    return false;
  }
}

export function createHosts(count: number): Hosts {
  const tag = randomInt(10_000, 99_999);
  const subnet = `127.231.${randomInt(1, 250)}`;
  const bridge = `stbr${tag}`;
  const sysctl = '/proc/sys/net/ipv4/conf/all/route_localnet';
  const previous = readFileSync(sysctl, 'utf8').trim();
  const namespaces: string[] = [];
  const veths: string[] = [];
  const remove = () => {
    for (const ns of namespaces) {
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
    try {
      sh('ip', ['link', 'del', bridge]);
    } catch {
      // already gone
    }
    sh('sysctl', ['-qw', `net.ipv4.conf.all.route_localnet=${previous}`]);
  };
  try {
    sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
    sh('ip', ['link', 'set', bridge, 'up']);
    sh('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
    sh('sysctl', [
      '-qw',
      'net.ipv4.conf.all.route_localnet=1',
      `net.ipv4.conf.${bridge}.route_localnet=1`,
    ]);
    const ips: string[] = [];
    for (let i = 0; i < count; i++) {
      const ns = `stns${tag}-${i}`;
      const veth = `stv${tag}-${i}`;
      const ip = `${subnet}.${11 + i}`;
      sh('ip', ['netns', 'add', ns]);
      namespaces.push(ns);
      sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      veths.push(veth);
      sh('ip', ['link', 'set', veth, 'master', bridge, 'up']);
      const inside = (...args: string[]) => sh('ip', ['netns', 'exec', ns, ...args]);
      inside('ip', 'link', 'set', 'lo', 'up');
      inside('ip', 'link', 'set', 'eth0', 'up');
      inside('ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0');
      inside(
        'sysctl',
        '-qw',
        'net.ipv4.conf.all.route_localnet=1',
        'net.ipv4.conf.eth0.route_localnet=1',
      );
      ips.push(ip);
    }
    return {
      gateway: `${subnet}.1`,
      ips,
      prefixes: namespaces.map((ns) => ['ip', 'netns', 'exec', ns]),
      setLink: (index, up) => sh('ip', ['link', 'set', veths[index]!, up ? 'up' : 'down']),
      remove,
    };
  } catch (err) {
    remove();
    throw err;
  }
}
