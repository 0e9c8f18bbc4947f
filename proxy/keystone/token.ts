/**
 * A validated Keystone token as keystoneauth needs it: the user, the project it is scoped to
 * (none for unscoped, domain- or system-scoped tokens), the role names and the expiry — read
 * from the `{"token": {...}}` body of Keystone v3's `GET /v3/auth/tokens`.
 */

export interface KeystoneIdentity {
  user: { id: string; name: string; domainId?: string; domainName?: string };
  project?: { id: string; name: string; domainId?: string; domainName?: string };
  /** Role names as Keystone gives them (implied roles included). */
  roles: string[];
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** The identity in a token body, or undefined when the body is not a usable token. */
export function identityFromTokenBody(body: unknown): KeystoneIdentity | undefined {
  if (!isObject(body) || !isObject(body.token)) return undefined;
  const token = body.token;
  const user = token.user;
  const userId = isObject(user) ? text(user.id) : undefined;
  const expiresAt = Date.parse(String(token.expires_at));
  if (!isObject(user) || userId === undefined || !Number.isFinite(expiresAt)) return undefined;
  const domainOf = (owner: Json) => {
    const domain = isObject(owner.domain) ? owner.domain : {};
    const id = text(domain.id);
    const name = text(domain.name);
    return { ...(id ? { domainId: id } : {}), ...(name ? { domainName: name } : {}) };
  };
  const identity: KeystoneIdentity = {
    user: { id: userId, name: text(user.name) ?? userId, ...domainOf(user) },
    roles: Array.isArray(token.roles)
      ? token.roles.flatMap((role) => {
          const name = isObject(role) ? text(role.name) : undefined;
          return name === undefined ? [] : [name];
        })
      : [],
    expiresAt,
  };
  const project = token.project;
  const projectId = isObject(project) ? text(project.id) : undefined;
  if (isObject(project) && projectId !== undefined)
    identity.project = {
      id: projectId,
      name: text(project.name) ?? projectId,
      ...domainOf(project),
    };
  return identity;
}
