/**
 * JSON container listings with symlinks, as Swift's symlink middleware rewrites them: a
 * link's listing ETag carries its target as parameters
 * (`<md5>; symlink_target=c/o; symlink_target_account=a; symlink_target_etag=e;
 * symlink_target_bytes=n`); the entry gets its plain hash back plus `symlink_path`
 * (`/v1/<account>/<c>/<o>`) and, for static links, `symlink_etag` and `symlink_bytes`.
 * Entries are written back in Python's `json.dumps` style, as the rest of the listing is.
 */
import { pyString } from '../../common/listing.js';

type Entry = Record<string, unknown>;

/** The rewritten listing, or undefined when it names no symlink (then it is left as it is). */
export function addSymlinkPaths(
  json: string,
  version: string,
  account: string,
): string | undefined {
  if (!json.includes('symlink_target=')) return undefined;
  const entries = JSON.parse(json) as Entry[];
  return `[${entries.map((entry) => dumpEntry(withSymlinkFields(entry, version, account))).join(', ')}]`;
}

export function withSymlinkFields(entry: Entry, version: string, account: string): Entry {
  if (typeof entry.hash !== 'string') return entry;
  const [hash = '', ...params] = entry.hash.split(';').map((part) => part.trim());
  let target: string | undefined;
  let targetAccount = account;
  const kept: string[] = [];
  const extra: Entry = {};
  for (const param of params) {
    const equals = param.indexOf('=');
    const key = equals < 0 ? param : param.slice(0, equals).trim();
    const value =
      equals < 0
        ? ''
        : param
            .slice(equals + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1');
    if (key === 'symlink_target') target = value;
    else if (key === 'symlink_target_account') targetAccount = value;
    else if (key === 'symlink_target_etag') extra.symlink_etag = value;
    else if (key === 'symlink_target_bytes') extra.symlink_bytes = Number(value);
    else if (key !== '') kept.push(`${key}=${value}`);
  }
  const out: Entry = { ...entry, hash: [hash, ...kept].join('; '), ...extra };
  if (target !== undefined) out.symlink_path = `/${version}/${targetAccount}/${target}`;
  return out;
}

function dumpEntry(entry: Entry): string {
  const fields = Object.entries(entry).map(
    ([key, value]) => `${pyString(key)}: ${dumpValue(value)}`,
  );
  return `{${fields.join(', ')}}`;
}

function dumpValue(value: unknown): string {
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return JSON.stringify(value);
}
