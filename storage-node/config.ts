/**
 * storage-node.conf: one file per storage node, Swift's option names.
 *
 *   [DEFAULT]          devices, mount_check, bind_ip, swift_dir, log_level
 *   [object-server]    bind_port (6200), container_update_timeout, client_timeout,
 *                      node_timeout, conn_timeout, fallocate_reserve, keep_cache_size
 *   [container-server] bind_port (6201), account_update_timeout, node_timeout, conn_timeout
 *   [account-server]   bind_port (6202)
 */
import type { LevelWithSilent } from 'pino';
import { Config, type ConfigSection } from '../common/config.js';
import { LOG_LEVELS } from '../common/logger.js';
import { parseReserve, type Reserve } from './devices.js';

export interface ServerSection {
  bindPort: number;
  /** Seconds to connect to another node. */
  connTimeout: number;
  /** Seconds to wait for another node's response. */
  nodeTimeout: number;
}

export interface StorageNodeConfig {
  devices: string;
  mountCheck: boolean;
  bindIp: string;
  swiftDir: string;
  logLevel: LevelWithSilent;
  /** Seconds tombstones are kept before removal; every replica must have seen them by then. */
  reclaimAge: number;
  /** Folder where daemons leave the figures of their last pass (Swift's recon cache). */
  reconCachePath: string;
  /** Seconds between checks of the ring files for changes (Swift's default 15). */
  ringCheckInterval: number;
  object: ServerSection & {
    /** Seconds the object server waits for container updates before answering. */
    containerUpdateTimeout: number;
    /** Seconds a client may pause between body chunks before the upload fails with 408. */
    clientTimeout: number;
    fallocateReserve: Reserve;
    /** Bodies larger than this many bytes are kept out of the page cache (object/page-cache.ts). */
    keepCacheSize: number;
  };
  container: ServerSection & { accountUpdateTimeout: number };
  account: ServerSection;
  /** Background daemons run inside the storage node, each from its own section. */
  daemons: Record<DaemonName, DaemonSettings>;
}

export const DAEMON_NAMES = [
  'object-replicator',
  'object-auditor',
  'object-updater',
  'object-expirer',
  'container-replicator',
  'container-updater',
  'account-replicator',
] as const;
export type DaemonName = (typeof DAEMON_NAMES)[number];

export interface DaemonSettings {
  /** Seconds between the starts of two passes; 0 turns the daemon off (run it with the CLI). */
  interval: number;
  /** Items (partitions, databases, …) worked on at once. */
  concurrency: number;
  /** Daemon-specific settings (e.g. the auditor's bytes_per_second), read by the daemon. */
  section: ConfigSection;
}

const DAEMON_DEFAULTS: Record<DaemonName, { interval: number; concurrency: number }> = {
  'object-replicator': { interval: 30, concurrency: 1 },
  'object-auditor': { interval: 30, concurrency: 1 },
  'object-updater': { interval: 300, concurrency: 8 },
  'object-expirer': { interval: 300, concurrency: 1 },
  'container-replicator': { interval: 30, concurrency: 8 },
  'container-updater': { interval: 300, concurrency: 4 },
  'account-replicator': { interval: 30, concurrency: 8 },
};

const COMMON_KEYS = [
  'reclaim_age',
  'recon_cache_path',
  'ring_check_interval',
  'devices',
  'mount_check',
  'bind_ip',
  'swift_dir',
  'log_level',
  'bind_port',
  'conn_timeout',
  'node_timeout',
];

function serverSection(section: ConfigSection, defaultPort: number): ServerSection {
  return {
    bindPort: section.int('bind_port', defaultPort, { min: 0, max: 65535 }),
    connTimeout: section.number('conn_timeout', 0.5, { min: 0.001 }),
    nodeTimeout: section.number('node_timeout', 3, { min: 0.001 }),
  };
}

export function readStorageNodeConfig(config: Config): StorageNodeConfig {
  const defaults = config.section('DEFAULT');
  const object = config.section('object-server');
  const container = config.section('container-server');
  const account = config.section('account-server');
  object.rejectUnknown([
    ...COMMON_KEYS,
    'container_update_timeout',
    'client_timeout',
    'fallocate_reserve',
    'keep_cache_size',
  ]);
  container.rejectUnknown([...COMMON_KEYS, 'account_update_timeout']);
  account.rejectUnknown(COMMON_KEYS);
  return {
    devices: defaults.string('devices', '/srv/node'),
    mountCheck: defaults.bool('mount_check', true),
    bindIp: defaults.string('bind_ip', '127.0.0.1'),
    swiftDir: defaults.string('swift_dir', '/etc/stratus'),
    logLevel: defaults.choice('log_level', LOG_LEVELS, 'info'),
    reclaimAge: defaults.int('reclaim_age', 604_800, { min: 1 }),
    reconCachePath: defaults.string('recon_cache_path', '/var/cache/stratus'),
    ringCheckInterval: defaults.number('ring_check_interval', 15, { min: 0 }),
    object: {
      ...serverSection(object, 6200),
      containerUpdateTimeout: object.number('container_update_timeout', 1, { min: 0 }),
      clientTimeout: object.number('client_timeout', 60, { min: 0.001 }),
      fallocateReserve: parseReserve(object.string('fallocate_reserve', '1%')),
      keepCacheSize: object.int('keep_cache_size', 5_242_880, { min: 0 }), // Swift's default
    },
    container: {
      ...serverSection(container, 6201),
      accountUpdateTimeout: container.number('account_update_timeout', 1, { min: 0 }),
    },
    account: serverSection(account, 6202),
    daemons: Object.fromEntries(
      DAEMON_NAMES.map((name) => {
        const section = config.section(name);
        const defaults = DAEMON_DEFAULTS[name];
        return [
          name,
          {
            interval: section.number('interval', defaults.interval, { min: 0 }),
            concurrency: section.int('concurrency', defaults.concurrency, { min: 1 }),
            section,
          },
        ];
      }),
    ) as Record<DaemonName, DaemonSettings>,
  };
}
