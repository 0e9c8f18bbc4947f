/**
 * Talking to another node's replica of a database over HTTP: one REPORT per message to
 * `/<device>/<partition>/<hash>` on the device's replication address.
 */
import { request, type Dispatcher } from 'undici';
import { hostPort } from '../../common/backend-url.js';
import type { RingDevice } from '../../common/ring/ring-data.js';
import { REPLICATION_METHOD } from '../http/types.js';
import type { Peer } from './sync.js';

export function httpPeer(
  dispatcher: Dispatcher,
  node: RingDevice,
  partition: number,
  hash: string,
  timeoutSeconds: number,
): Peer {
  const url = `http://${hostPort(node.replicationIp, node.replicationPort)}/${encodeURIComponent(node.device)}/${partition}/${hash}`;
  return {
    async send(message) {
      const response = await request(url, {
        method: REPLICATION_METHOD as 'GET',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(message),
        dispatcher,
        signal: AbortSignal.timeout(timeoutSeconds * 1000),
      });
      const text = await response.body.text();
      const type = String(response.headers['content-type'] ?? '');
      const json = text !== '' && type.startsWith('application/json');
      return {
        status: response.statusCode,
        body: json ? (JSON.parse(text) as unknown) : undefined,
      };
    },
  };
}

/** How a peer is named in log lines. */
export function describeNode(node: RingDevice): string {
  return `${hostPort(node.replicationIp, node.replicationPort)}/${node.device}`;
}
