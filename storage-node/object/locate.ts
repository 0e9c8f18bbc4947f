/** From a request path to the object's DiskFile on its (checked) device. */
import type { NodeContext } from '../context.js';
import type { BackendRequest } from '../http/types.js';
import { DiskFile } from './disk-file.js';

export function openDiskFile(
  ctx: NodeContext,
  req: BackendRequest,
): { diskFile: DiskFile; devicePath: string } {
  const { device, partition, account, container, object } = req.path;
  const devicePath = ctx.devices.path(device);
  const hash = ctx.hasher.hashPath(account, container, object);
  return {
    diskFile: new DiskFile(devicePath, partition, hash, `/${account}/${container}/${object}`),
    devicePath,
  };
}
