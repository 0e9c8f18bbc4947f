/**
 * What differs between replicating container databases and account databases: where they
 * live, which ring places them, which broker opens them, and when a deleted one may go.
 * Everything else in db-replication is the same for both, as in Swift's db_replicator.
 */
import type { PathHasher } from '../../common/hash.js';
import type { Ring } from '../../common/ring/ring.js';
import type { Timestamp } from '../../common/timestamp.js';
import { AccountBroker, type AccountInfo } from '../account/broker.js';
import type { StorageNodeConfig } from '../config.js';
import { ContainerBroker, type ContainerInfo } from '../container/broker.js';
import type { ClusterRings } from '../../common/cluster-config.js';
import type { DatabaseBroker, DatabaseInfo } from '../db/broker.js';
import type { DatabaseKind } from '../db/files.js';
import type { DatabaseHandles } from '../db/handles.js';

/** The names a database is about: an account, or an account's container. */
export interface DatabaseNames {
  account: string;
  container?: string;
}

export type ReplicatedInfo = DatabaseInfo & DatabaseNames;
export type ReplicatedBroker = DatabaseBroker<ReplicatedInfo>;

export interface DbKind {
  /** `container` or `account`: log lines and daemon names. */
  name: 'container' | 'account';
  /** The folder on each device (`containers`, `accounts`). */
  dir: DatabaseKind;
  ring(rings: ClusterRings): Ring;
  /** The port this node serves the kind on (to recognise its own ring devices). */
  port(config: StorageNodeConfig): number;
  open(handles: DatabaseHandles, path: string): ReplicatedBroker;
  /** Creates an empty database with these names and timestamps at `path`. */
  create(
    devicePath: string,
    path: string,
    names: DatabaseNames,
    putTimestamp: Timestamp,
  ): Promise<boolean>;
  hash(hasher: PathHasher, names: DatabaseNames): string;
  /**
   * Deleted long enough ago (before `cutoff`) that every replica has learned it, empty, and
   * (containers) the account told: the file can go.
   */
  reclaimable(info: ReplicatedInfo, cutoff: Timestamp): boolean;
}

function deletedBefore(info: DatabaseInfo, cutoff: Timestamp): boolean {
  return (
    info.deleteTimestamp.compare(info.putTimestamp) > 0 && info.deleteTimestamp.compare(cutoff) < 0
  );
}

export const CONTAINER_DBS: DbKind = {
  name: 'container',
  dir: 'containers',
  ring: (rings) => rings.container,
  port: (config) => config.container.bindPort,
  open: (handles, path) => new ContainerBroker(handles, path),
  create: (devicePath, path, names, putTimestamp) =>
    ContainerBroker.create(devicePath, path, {
      account: names.account,
      container: names.container ?? '',
      putTimestamp,
      metadata: {},
    }),
  hash: (hasher, names) => hasher.hashPath(names.account, names.container),
  reclaimable(info, cutoff) {
    const container = info as ContainerInfo;
    // Swift's report_up_to_date: the account must know the deletion first, or its listing
    // would keep the container forever.
    const reported =
      container.reported.deleteTimestamp === container.deleteTimestamp.internal &&
      container.reported.objectCount === 0;
    return container.objectCount === 0 && deletedBefore(container, cutoff) && reported;
  },
};

export const ACCOUNT_DBS: DbKind = {
  name: 'account',
  dir: 'accounts',
  ring: (rings) => rings.account,
  port: (config) => config.account.bindPort,
  open: (handles, path) => new AccountBroker(handles, path),
  create: (devicePath, path, names, putTimestamp) =>
    AccountBroker.create(devicePath, path, { account: names.account, putTimestamp, metadata: {} }),
  hash: (hasher, names) => hasher.hashPath(names.account),
  // An account marked deleted that still lists containers waits for the reaper.
  reclaimable: (info, cutoff) =>
    (info as AccountInfo).containerCount === 0 && deletedBefore(info, cutoff),
};

export const DB_KINDS = { containers: CONTAINER_DBS, accounts: ACCOUNT_DBS } as const;
