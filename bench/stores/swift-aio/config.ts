/**
 * The config files of an OpenStack Swift all-in-one shaped like Stratus's local cluster:
 * 4 storage nodes (each an object, a container and an account server on its own loopback
 * ports, one device folder), rings of 3 replicas and the same part power, a proxy with
 * TempAuth (test:tester / testing) and the same middlewares as Stratus's default pipeline.
 *
 * Settings kept equal on purpose: Swift's defaults for durability (object data fsynced before
 * the rename, the hash folder and new parents fsynced after, as Stratus does), bodies up to
 * 5 MiB kept in the page cache when read (`keep_cache_private = true`, as Stratus does), no
 * background daemons (Stratus's are turned off too), logging at warnings only (Stratus at warn)
 * sent over UDP to the benchmark, which keeps them in swift.log. `workers` is SAIO's 1 by
 * default.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';

export interface SwiftNodeLayout {
  index: number;
  ports: { object: number; container: number; account: number };
  devicesRoot: string;
}

export interface SwiftLayout {
  dir: string;
  swiftDir: string;
  proxyPort: number;
  memcachePort: number;
  syslogPort: number;
  workers: string;
  nodes: SwiftNodeLayout[];
}

export const SWIFT_USER = { login: 'test:tester', key: 'testing' };

/** Stratus's DEFAULT_PIPELINE in Swift's names (cors is built into Swift's proxy). */
export const SWIFT_PIPELINE = [
  'catch_errors',
  'gatekeeper',
  'healthcheck',
  'proxy-logging',
  'cache',
  'listing_formats',
  'bulk',
  'tempurl',
  'formpost',
  'ratelimit',
  'tempauth',
  'staticweb',
  'copy',
  'container-quotas',
  'account-quotas',
  'slo',
  'dlo',
  'versioned_writes',
  'symlink',
  'proxy-logging',
  'proxy-server',
];

const EGG: Record<string, string> = {
  'proxy-logging': 'proxy_logging',
  cache: 'memcache',
  'container-quotas': 'container_quotas',
  'account-quotas': 'account_quotas',
};

function defaults(layout: SwiftLayout, port: number, logName: string): string[] {
  return [
    '[DEFAULT]',
    'bind_ip = 127.0.0.1',
    `bind_port = ${port}`,
    `workers = ${layout.workers}`,
    // Swift drops privileges to this user; the benchmark's own user owns the folders.
    `user = ${userInfo().username}`,
    `swift_dir = ${layout.swiftDir}`,
    `log_name = ${logName}`,
    'log_level = WARNING',
    'log_udp_host = 127.0.0.1',
    `log_udp_port = ${layout.syslogPort}`,
  ];
}

export function proxyConf(layout: SwiftLayout): string {
  const filters = [...new Set(SWIFT_PIPELINE.filter((name) => name !== 'proxy-server'))];
  return [
    ...defaults(layout, layout.proxyPort, 'proxy-server'),
    '',
    '[pipeline:main]',
    `pipeline = ${SWIFT_PIPELINE.join(' ')}`,
    '',
    '[app:proxy-server]',
    'use = egg:swift#proxy',
    'account_autocreate = true',
    '',
    ...filters.flatMap((name) => {
      const lines = [`[filter:${name}]`, `use = egg:swift#${EGG[name] ?? name}`];
      if (name === 'cache') lines.push(`memcache_servers = 127.0.0.1:${layout.memcachePort}`);
      if (name === 'tempauth') {
        const [account, user] = SWIFT_USER.login.split(':');
        lines.push(`user_${account}_${user} = ${SWIFT_USER.key} .admin`);
      }
      return [...lines, ''];
    }),
  ].join('\n');
}

export type ServerKind = 'object' | 'container' | 'account';

export function storageConf(layout: SwiftLayout, node: SwiftNodeLayout, kind: ServerKind): string {
  return [
    ...defaults(layout, node.ports[kind], `${kind}-server-${node.index + 1}`),
    `devices = ${node.devicesRoot}`,
    'mount_check = false',
    '',
    '[pipeline:main]',
    `pipeline = healthcheck recon ${kind}-server`,
    '',
    `[app:${kind}-server]`,
    `use = egg:swift#${kind}`,
    // Both stores serve bodies up to keep_cache_size (5 MiB) from the page cache when read:
    // Swift's default drops every GET that carries a token, Stratus keeps small ones.
    ...(kind === 'object' ? ['keep_cache_private = true'] : []),
    '',
    '[filter:healthcheck]',
    'use = egg:swift#healthcheck',
    '',
    '[filter:recon]',
    'use = egg:swift#recon',
    `recon_cache_path = ${join(node.devicesRoot, '..', 'recon')}`,
    '',
  ].join('\n');
}

export function confPath(layout: SwiftLayout, node: SwiftNodeLayout, kind: ServerKind): string {
  return join(layout.dir, `node${node.index + 1}`, `${kind}-server.conf`);
}
