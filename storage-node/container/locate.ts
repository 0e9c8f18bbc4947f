/** Which device and database file a container request is about. */
import type { NodeContext } from '../context.js';
import { databasePath } from '../db/files.js';
import type { DatabaseHandles } from '../db/handles.js';
import type { BackendRequest } from '../http/types.js';
import { ContainerBroker } from './broker.js';

export interface LocatedContainer {
  devicePath: string;
  /** Hash of /account/container: names the database and its async pendings. */
  hash: string;
  broker: ContainerBroker;
}

export type ContainerLocator = (req: BackendRequest) => LocatedContainer;

/** 507 when the device is not there (Devices.path). */
export function locateContainer(ctx: NodeContext, handles: DatabaseHandles): ContainerLocator {
  return (req) => {
    const { device, partition, account, container } = req.path;
    const devicePath = ctx.devices.path(device);
    const hash = ctx.hasher.hashPath(account, container);
    return {
      devicePath,
      hash,
      broker: new ContainerBroker(handles, databasePath(devicePath, 'containers', partition, hash)),
    };
  };
}
