/**
 * Container and account metadata as Swift keeps it: one JSON object per database,
 * `{"X-Container-Meta-Color": ["blue", "1700000000.12345"]}`. Each key carries the timestamp
 * of the request that set it and is merged on its own, newest timestamp winning, so replicas
 * that saw POSTs in different orders agree. An empty value marks a removed key: it stays (to
 * beat older writes) but is never shown.
 */
import { checkMetadata, DEFAULT_CONSTRAINTS } from '../../common/constraints.js';
import { Timestamp } from '../../common/timestamp.js';

export type Metadata = Record<string, [value: string, timestamp: string]>;

export function parseMetadata(json: string): Metadata {
  return json === '' ? {} : (JSON.parse(json) as Metadata);
}

/** `current` with every update that is newer than what it has for that key; null if nothing changed. */
export function mergeMetadata(current: Metadata, updates: Metadata): Metadata | null {
  let merged: Metadata | null = null;
  for (const [key, entry] of Object.entries(updates)) {
    const existing = current[key];
    if (existing && Timestamp.parse(entry[1]).compare(Timestamp.parse(existing[1])) <= 0) continue;
    merged ??= { ...current };
    merged[key] = entry;
  }
  return merged;
}

/** Every key not yet removed at `timestamp` set to removed (what a DELETE does to metadata). */
export function clearMetadata(current: Metadata, timestamp: Timestamp): Metadata {
  const updates: Metadata = {};
  for (const key of Object.keys(current)) updates[key] = ['', timestamp.internal];
  return mergeMetadata(current, updates) ?? current;
}

/** The metadata to send as response headers: every key whose value is not empty. */
export function visibleMetadata(metadata: Metadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, [value]] of Object.entries(metadata)) if (value !== '') headers[key] = value;
  return headers;
}

/**
 * Swift's limits (count and total size of `X-<Target>-Meta-*`) applied to the merged
 * metadata, so many small POSTs cannot add up to more than one request may carry.
 */
export function checkMergedMetadata(metadata: Metadata, target: 'container' | 'account'): void {
  const asHeaders: Record<string, string> = {};
  for (const [key, [value]] of Object.entries(metadata))
    if (value !== '') asHeaders[key.toLowerCase()] = value;
  checkMetadata(asHeaders, target, DEFAULT_CONSTRAINTS);
}
