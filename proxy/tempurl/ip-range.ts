/**
 * `temp_url_ip_range`: one address or a CIDR network, IPv4 or IPv6, read as Python's
 * `ip_network()` does (strict: a network with host bits set is invalid).
 */
import { isIPv4, isIPv6 } from 'node:net';

interface Address {
  family: 4 | 6;
  value: bigint;
}

function parseIPv4(text: string): bigint | undefined {
  if (!isIPv4(text)) return undefined;
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIPv6(text: string): bigint | undefined {
  if (!isIPv6(text)) return undefined;
  let groups = text;
  // An embedded IPv4 tail (`::ffff:1.2.3.4`) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (v4) {
    const value = parseIPv4(v4[1]!)!;
    groups = `${groups.slice(0, -v4[1]!.length)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = groups.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  const all = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right];
  return all.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function parseAddress(text: string): Address | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIPv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/** A client address as the socket reports it, IPv4-mapped IPv6 read as the IPv4 it carries. */
function clientAddress(text: string): Address | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  return parseAddress(mapped ? mapped[1]! : text);
}

/** True/false for a valid range; undefined when the range (or the client address) is unreadable. */
export function ipInRange(client: string, range: string): boolean | undefined {
  const slash = range.indexOf('/');
  const network = parseAddress(slash < 0 ? range : range.slice(0, slash));
  const address = clientAddress(client);
  if (!network || !address) return undefined;
  const bits = network.family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(bits) : range.slice(slash + 1);
  if (!/^\d+$/.test(prefixText) || Number(prefixText) > bits) return undefined;
  const hostBits = BigInt(bits - Number(prefixText));
  const hostMask = (1n << hostBits) - 1n;
  if ((network.value & hostMask) !== 0n) return undefined;
  if (address.family !== network.family) return false;
  return (address.value & ~hostMask) === network.value;
}
