/**
 * Who is making a request and what they may do: the auth filter (tempauth now, keystoneauth
 * later) puts an `Authorizer` into the request env; controllers call it once they know the
 * target (and, for containers, its ACLs), as Swift's `swift.authorize` with delay_denial.
 */
import type { ProxyRequest, ProxyResponse } from './pipeline.js';

export interface AuthTarget {
  method: string;
  account: string;
  container?: string;
  object?: string;
  /** The container's X-Container-Read / X-Container-Write, when the request is inside one. */
  readAcl?: string;
  writeAcl?: string;
}

/** Returns undefined to allow the request, or the refusal to send (401/403). */
export type Authorizer = (req: ProxyRequest, target: AuthTarget) => ProxyResponse | undefined;

const AUTHORIZE = 'swift.authorize';
const OWNER = 'swift_owner';

export function setAuthorizer(req: ProxyRequest, authorize: Authorizer): void {
  req.env.set(AUTHORIZE, authorize);
}

const OVERRIDE = 'swift.authorize_override';

/**
 * For filters ahead of the auth filter that authorize a request themselves (tempurl, formpost):
 * sets the authorizer and tells auth filters to leave it in place (Swift's
 * `swift.authorize_override`). Subrequests inherit both with the env.
 */
export function overrideAuthorizer(req: ProxyRequest, authorize: Authorizer): void {
  setAuthorizer(req, authorize);
  req.env.set(OVERRIDE, true);
}

/** True when a filter before the auth filter has already decided who this request is. */
export function authorizerOverridden(req: ProxyRequest): boolean {
  return req.env.get(OVERRIDE) === true;
}

/** With no auth filter in the pipeline every request is refused: nothing is public by accident. */
export function authorize(req: ProxyRequest, target: AuthTarget): ProxyResponse | undefined {
  const authorizer = req.env.get(AUTHORIZE) as Authorizer | undefined;
  if (!authorizer) return { status: 401, headers: {}, body: '' };
  return authorizer(req, target);
}

/** Marks the request as coming from the account's owner (may see and set ACLs). */
export function markOwner(req: ProxyRequest): void {
  req.env.set(OWNER, true);
}

/** Forgets an earlier owner decision: a subrequest inherits its parent's env but may target another account. */
export function clearOwner(req: ProxyRequest): void {
  req.env.delete(OWNER);
}

export function isOwner(req: ProxyRequest): boolean {
  return req.env.get(OWNER) === true;
}
