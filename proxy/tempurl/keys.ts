/**
 * The Temp-URL keys TempURL and FormPost sign with: `X-Account-Meta-Temp-URL-Key(-2)` on the
 * account and `X-Container-Meta-Temp-URL-Key(-2)` on the container, read from the proxy's
 * info cache. Two of each, so a key can be rotated without breaking links already out.
 */
import type { ProxyContext } from '../context.js';

export type KeyScope = 'account' | 'container';

export interface ScopedKey {
  key: string;
  /** An account key reaches the whole account; a container key only its container. */
  scope: KeyScope;
}

const NAMES = ['temp-url-key', 'temp-url-key-2'];

/** The keys in a HEAD's headers for the given kind (empty values are no keys). */
export function keysIn(headers: Record<string, string>, kind: 'account' | 'container'): string[] {
  return NAMES.map((name) => headers[`x-${kind}-meta-${name}`]).filter(
    (value): value is string => value !== undefined && value !== '',
  );
}

export async function tempUrlKeys(
  ctx: ProxyContext,
  txId: string,
  account: string,
  container?: string,
): Promise<ScopedKey[]> {
  const accountInfo = await ctx.info.account(account, txId);
  const keys: ScopedKey[] = keysIn(accountInfo.headers, 'account').map((key) => ({
    key,
    scope: 'account',
  }));
  if (container !== undefined) {
    const containerInfo = await ctx.info.container(account, container, txId);
    for (const key of keysIn(containerInfo.headers, 'container'))
      keys.push({ key, scope: 'container' });
  }
  return keys;
}
