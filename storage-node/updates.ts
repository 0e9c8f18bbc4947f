/**
 * Listing updates sent between storage nodes: the object server tells container servers
 * about object changes, the container server tells account servers about containers. The
 * caller waits a bounded time; nodes that did not answer 2xx in time are returned so the
 * caller can leave an async pending for the updater.
 */
import { request, type Dispatcher } from 'undici';
import { backendPath } from '../common/backend-url.js';
import { StratusError } from '../common/errors.js';

export interface UpdateTarget {
  /** `ip:port` */
  host: string;
  device: string;
}

/**
 * Reads the `X-Container-Host/-Device/-Partition` (or `X-Account-…`) headers the proxy sends:
 * comma-separated hosts and devices, matched by position, one partition.
 */
export function updateTargets(
  hosts: string | undefined,
  devices: string | undefined,
  partition: string | undefined,
): { partition: number; targets: UpdateTarget[] } | undefined {
  if (!hosts && !devices && !partition) return undefined;
  const hostList = (hosts ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const deviceList = (devices ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  if (
    hostList.length === 0 ||
    hostList.length !== deviceList.length ||
    !/^\d+$/.test(partition ?? '')
  ) {
    throw new StratusError(
      'BAD_REQUEST',
      'Listing update headers do not match: hosts, devices and partition are required',
    );
  }
  return {
    partition: Number(partition),
    targets: hostList.map((host, i) => ({ host, device: deviceList[i]! })),
  };
}

export interface UpdateRequest {
  method: 'PUT' | 'DELETE';
  partition: number;
  account: string;
  container: string;
  object?: string;
  headers: Record<string, string>;
}

/** Sends one update to every target in parallel; resolves to the targets that failed. */
export async function sendUpdates(
  dispatcher: Dispatcher,
  targets: UpdateTarget[],
  update: UpdateRequest,
  timeoutSeconds: number,
): Promise<UpdateTarget[]> {
  const results = await Promise.all(
    targets.map(async (target) => {
      try {
        const path = backendPath(
          target.device,
          update.partition,
          update.account,
          update.container,
          update.object,
        );
        const response = await request(`http://${target.host}${path}`, {
          method: update.method,
          headers: update.headers,
          dispatcher,
          signal: AbortSignal.timeout(Math.max(1, timeoutSeconds * 1000)),
        });
        await response.body.dump();
        return response.statusCode >= 200 && response.statusCode < 300;
      } catch {
        return false;
      }
    }),
  );
  return targets.filter((_, i) => !results[i]);
}
