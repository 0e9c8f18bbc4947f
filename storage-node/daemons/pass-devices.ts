/**
 * The devices a daemon pass walks: every device folder under `devices` that is there (and
 * mounted, with mount_check), as Swift's auditor, updater and expirer do. Walking the folders
 * rather than the ring's devices means work left on a device that has since left the ring
 * (async pendings, queued expirations, objects to audit) is still done.
 */
import { readdir } from 'node:fs/promises';
import { describeError } from '../../common/errors.js';
import type { NodeContext } from '../context.js';

export interface PassDevice {
  device: string;
  path: string;
}

export async function passDevices(
  ctx: NodeContext,
  only?: readonly string[],
): Promise<PassDevice[]> {
  let names: string[];
  try {
    names = (await readdir(ctx.config.devices, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch (err) {
    ctx.logger.error(
      { devices: ctx.config.devices, err: describeError(err) },
      'cannot list the devices folder; check the devices setting',
    );
    return [];
  }
  const found: PassDevice[] = [];
  for (const device of names.sort()) {
    if (only && !only.includes(device)) continue;
    try {
      found.push({ device, path: ctx.devices.path(device) });
    } catch {
      // An unmounted drive is part of normal operations: skipped, as Swift does.
      ctx.logger.warn({ device }, 'skipping device: not mounted');
    }
  }
  return found;
}
