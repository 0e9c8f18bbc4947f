/**
 * Container ACLs (X-Container-Read / X-Container-Write), Swift's V1 syntax: a comma list of
 * groups (`account:user`, `account`, `account:*`, TempAuth groups) and, for reads, referrer
 * rules `.r:*`, `.r:<host>`, `.r:.<domain-suffix>`, `.r:-<host>` (deny) and `.rlistings`
 * (referrers may also list the container). `.referrer:` is accepted for `.r:`.
 */

export interface ParsedAcl {
  groups: string[];
  referrers: string[];
  listings: boolean;
}

export function parseAcl(text: string | undefined): ParsedAcl {
  const acl: ParsedAcl = { groups: [], referrers: [], listings: false };
  for (const raw of (text ?? '').split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    if (item === '.rlistings') acl.listings = true;
    else if (item.startsWith('.r:')) acl.referrers.push(item.slice(3));
    else if (item.startsWith('.referrer:')) acl.referrers.push(item.slice(10));
    else acl.groups.push(item);
  }
  return acl;
}

/** True when the referrer rules let a request with this Referer header in. */
export function referrerAllowed(
  referrers: readonly string[],
  referer: string | undefined,
): boolean {
  let host: string;
  try {
    host = referer ? new URL(referer).hostname : '';
  } catch {
    host = '';
  }
  let allowed = false;
  for (const rule of referrers) {
    const deny = rule.startsWith('-');
    const pattern = deny ? rule.slice(1) : rule;
    const matches =
      pattern === '*' ||
      (host !== '' &&
        (pattern.startsWith('.')
          ? host.endsWith(pattern) || `.${host}` === pattern
          : host === pattern));
    if (matches) allowed = !deny;
  }
  return allowed;
}

/** True when one of the identity's groups is listed (`account:*` matches any user there). */
export function groupAllowed(acl: ParsedAcl, groups: readonly string[]): boolean {
  return acl.groups.some((entry) => {
    if (entry.endsWith(':*')) {
      const account = entry.slice(0, -2);
      return groups.some((group) => group === account || group.startsWith(`${account}:`));
    }
    return groups.includes(entry);
  });
}

/** Cleans an ACL header for storage as Swift does: trimmed items, `.referrer:` → `.r:`. */
export function normalizeAcl(text: string): string {
  return text
    .split(',')
    .map((item) => item.trim().replace(/^\.referrer:/, '.r:'))
    .filter((item) => item !== '')
    .join(',');
}

/**
 * Account ACLs (X-Account-Access-Control), Swift's V2 JSON syntax:
 * `{"admin": [...], "read-write": [...], "read-only": [...]}`, each a list of groups
 * (`account`, `account:user`). Admins act as the account's owner; read-write users may do
 * anything to containers and objects but only read the account; read-only users may only
 * read. Stored as system metadata, shown back only to the owner.
 */
export interface AccountAcls {
  admin: string[];
  'read-write': string[];
  'read-only': string[];
}

export type AccountAccess = keyof AccountAcls;

export const ACCOUNT_ACL_SYSMETA = 'x-account-sysmeta-core-access-control';
const ACCOUNT_ACL_KEYS: readonly AccountAccess[] = ['admin', 'read-write', 'read-only'];

/** Python's parse_acl(version=2): `''` is `{}`, a JSON object is itself, anything else undefined. */
function parseAclV2(text: string): Record<string, unknown> | undefined {
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Python's repr() of a string, for TempAuth's error text. */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replaceAll(quote, `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

/** What is wrong with an X-Account-Access-Control value (TempAuth's wording), or undefined. */
export function accountAclError(text: string): string | undefined {
  const acl = parseAclV2(text);
  if (acl === undefined) return `Syntax error in input (${pythonRepr(text)})`;
  for (const key of Object.keys(acl)) {
    if (!ACCOUNT_ACL_KEYS.includes(key as AccountAccess))
      return `Key ${JSON.stringify(key)} not recognized`;
  }
  for (const key of ACCOUNT_ACL_KEYS) {
    const grantees = acl[key];
    if (grantees === undefined) continue;
    if (!Array.isArray(grantees)) return `Value for key ${JSON.stringify(key)} must be a list`;
    if (grantees.some((grantee) => typeof grantee !== 'string'))
      return `Elements of ${JSON.stringify(key)} list must be strings`;
  }
  return undefined;
}

/** The ACLs stored for an account; undefined when none grants anything (or they are garbled). */
export function parseAccountAcls(text: string | undefined): AccountAcls | undefined {
  if (text === undefined) return undefined;
  const acl = parseAclV2(text);
  if (acl === undefined) return undefined;
  const list = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  const acls: AccountAcls = {
    admin: list(acl.admin),
    'read-write': list(acl['read-write']),
    'read-only': list(acl['read-only']),
  };
  return ACCOUNT_ACL_KEYS.some((key) => acls[key].length > 0) ? acls : undefined;
}

/** The strongest access the ACLs give one of these groups, if any. */
export function accountAccess(
  acls: AccountAcls,
  groups: readonly string[],
): AccountAccess | undefined {
  return ACCOUNT_ACL_KEYS.find((key) => acls[key].some((grantee) => groups.includes(grantee)));
}

/**
 * A stored ACL as Swift shows it to the owner (format_acl v2: compact JSON, sorted keys,
 * non-ASCII escaped); undefined for an empty or garbled one.
 */
export function formatAccountAcl(text: string): string | undefined {
  const acl = parseAclV2(text);
  if (acl === undefined || Object.keys(acl).length === 0) return undefined;
  const sorted = (value: unknown): unknown =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
        )
      : Array.isArray(value)
        ? value.map(sorted)
        : value;
  return JSON.stringify(sorted(acl)).replace(
    /[\u0080-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
