/**
 * What only an account's owner may set and see (Swift's swift_owner_headers), and account ACLs
 * on their way in and out — shared by the auth filters (tempauth, keystoneauth), which decide
 * who the owner is.
 */
import { ACCOUNT_ACL_SYSMETA, accountAclError, formatAccountAcl } from './acl.js';
import { isOwner } from './identity.js';
import { textResponse, type ProxyRequest, type ProxyResponse } from './pipeline.js';

/** Headers only an owner may set: dropped from anyone else's requests and responses. */
export const OWNER_HEADERS = [
  'x-container-read',
  'x-container-write',
  'x-container-sync-key',
  'x-container-sync-to',
  'x-account-meta-temp-url-key',
  'x-account-meta-temp-url-key-2',
  'x-container-meta-temp-url-key',
  'x-container-meta-temp-url-key-2',
  'x-account-access-control',
  ACCOUNT_ACL_SYSMETA,
];

/** Lets a request in without ownership: it may not touch what only owners may set. */
export function allowNonOwner(req: ProxyRequest): undefined {
  for (const name of OWNER_HEADERS) {
    delete req.headers[name];
    delete req.headers[name.replace(/^x-/, 'x-remove-')];
  }
  return undefined;
}

/**
 * Validates an X-Account-Access-Control header (400 with TempAuth's text when malformed) and
 * moves it to the system metadata the account servers keep. X-Remove-Account-Access-Control
 * removes the ACLs.
 */
export function takeAccountAcl(req: ProxyRequest): ProxyResponse | undefined {
  const raw = req.headers['x-account-access-control'];
  if (raw !== undefined) {
    // Header values arrive as latin1 text; the JSON inside is UTF-8.
    const text = Buffer.from(raw, 'latin1').toString('utf8');
    const error = accountAclError(text);
    if (error) {
      return textResponse(400, `X-Account-Access-Control invalid: ${error}\n\nInput: ${text}\n`);
    }
    req.headers[ACCOUNT_ACL_SYSMETA] = raw;
    delete req.headers['x-account-access-control'];
  }
  if (req.headers['x-remove-account-access-control'] !== undefined) {
    req.headers[ACCOUNT_ACL_SYSMETA] = '';
    delete req.headers['x-remove-account-access-control'];
  }
  return undefined;
}

/**
 * Account and container responses: what only owners may set is shown to owners only (Swift
 * strips swift_owner_headers for everyone else — ACL users must not read Temp-URL keys), and
 * stored account ACLs become X-Account-Access-Control. Running it twice changes nothing.
 */
export function showOwnerHeaders(req: ProxyRequest, response: ProxyResponse): void {
  const owner = isOwner(req);
  for (const name of Object.keys(response.headers)) {
    const lower = name.toLowerCase();
    if (lower === ACCOUNT_ACL_SYSMETA) {
      const raw = String(response.headers[name]);
      delete response.headers[name];
      const formatted = owner
        ? formatAccountAcl(Buffer.from(raw, 'latin1').toString('utf8'))
        : undefined;
      if (formatted !== undefined) response.headers['X-Account-Access-Control'] = formatted;
    } else if (!owner && OWNER_HEADERS.includes(lower)) {
      delete response.headers[name];
    }
  }
}
