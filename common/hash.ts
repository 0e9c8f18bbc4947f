/**
 * Path hashing: where an account, container or object lives.
 *
 * hash = xxh64(prefix + "/" + account[/container[/object]] + suffix), as 16 hex digits.
 * The per-cluster prefix and suffix (`[swift-hash] swift_hash_path_prefix/suffix`) are secrets
 * that must never change once a cluster holds data: they salt placement so outsiders cannot
 * aim many names at one partition. The partition is the top `partPower` bits of the hash.
 *
 * xxhash-wasm must be instantiated once (asynchronously); after that hashing is synchronous.
 */
import xxhash from 'xxhash-wasm';
import { StratusError } from './errors.js';

type XXHash = Awaited<ReturnType<typeof xxhash>>;
let hasher: XXHash | undefined;

/** Loads the WASM hasher; call once at start-up before any hashing. */
export async function initHashing(): Promise<void> {
  hasher ??= await xxhash();
}

function xx(): XXHash {
  if (!hasher) throw new Error('initHashing() must be awaited before hashing');
  return hasher;
}

export interface HashSalt {
  prefix: string;
  suffix: string;
}

export class PathHasher {
  constructor(private readonly salt: HashSalt) {
    if (salt.prefix === '' && salt.suffix === '') {
      throw new StratusError(
        'CONFIG_INVALID',
        'swift_hash_path_prefix and swift_hash_path_suffix are both empty: set at least one secret',
      );
    }
  }

  /** 16 lowercase hex digits naming the account, container or object. */
  hashPath(account: string, container?: string, object?: string): string {
    if (object !== undefined && container === undefined) {
      throw new Error('an object path needs a container');
    }
    const parts = [account];
    if (container !== undefined) parts.push(container);
    if (object !== undefined) parts.push(object);
    return xx().h64ToString(`${this.salt.prefix}/${parts.join('/')}${this.salt.suffix}`);
  }
}

/** The partition of a path hash: its top `partPower` bits. */
export function partitionOf(hashHex: string, partPower: number): number {
  const top32 = Number.parseInt(hashHex.slice(0, 8), 16);
  return Math.floor(top32 / 2 ** (32 - partPower));
}

/** An unsalted 64-bit hash of a string, as hex; used where placement is public (handoff walks). */
export function plainHash64(text: string): string {
  return xx().h64ToString(text);
}
