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
