/**
 * What `keystone-manage bootstrap` sets up, idempotently (keystone/cmd/bootstrap.py): the
 * `Default` domain (id `default`), an admin project and user, the roles admin ⇒ member ⇒
 * reader, the admin role for the user on the project and on the system, and — when URLs are
 * given — region, identity service and endpoints, plus (ours) the object store's.
 *
 * Run again, it changes only what differs: a disabled admin is re-enabled, a different
 * password replaces the old one (revoking the admin's tokens), endpoint URLs are updated.
 */
import type { Backend } from './backend.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { SYSTEM_TARGET } from './store/assignments.js';
import type { Interface, Service } from './store/catalog.js';

export interface BootstrapOptions {
  password: string;
  username?: string;
  projectName?: string;
  roleName?: string;
  serviceName?: string;
  regionId?: string;
  publicUrl?: string;
  internalUrl?: string;
  adminUrl?: string;
  /** The object store's public URL, `http://<proxy>/v1/AUTH_$(project_id)s`. */
  objectStoreUrl?: string;
  /** Its admin URL (Swift's bare proxy URL); defaults to the public URL's origin. */
  objectStoreAdminUrl?: string;
}

export interface BootstrapResult {
  userId: string;
  projectId: string;
  roleIds: Record<string, string>;
  /** What changed, one line each, for the operator. */
  log: string[];
}

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' };

export async function bootstrap(
  backend: Backend,
  options: BootstrapOptions,
): Promise<BootstrapResult> {
  const log: string[] = [];
  const username = options.username ?? 'admin';
  const projectName = options.projectName ?? 'admin';
  const roleName = options.roleName ?? 'admin';

  let domain = backend.domains.get(DEFAULT_DOMAIN.id);
  if (!domain) {
    domain = backend.domains.create({
      id: DEFAULT_DOMAIN.id,
      name: DEFAULT_DOMAIN.name,
      description: 'The default domain',
      enabled: true,
      extra: {},
    });
    log.push(`Created domain ${domain.name} (${domain.id})`);
  }

  let project = backend.projects.byName(projectName, domain.id);
  if (!project) {
    project = backend.projects.create({
      name: projectName,
      domainId: domain.id,
      parentId: domain.id,
      description: 'Bootstrap project for initializing the cloud.',
      enabled: true,
      extra: {},
    });
    log.push(`Created project ${project.name} (${project.id})`);
  }

  const cost = backend.settings.passwordHashCost;
  let user = backend.users.byName(username, domain.id);
  if (!user) {
    user = backend.users.create({
      name: username,
      domainId: domain.id,
      enabled: true,
      defaultProjectId: null,
      extra: {},
      passwordHash: await hashPassword(options.password, cost),
    });
    log.push(`Created user ${user.name} (${user.id})`);
  } else {
    if (!user.enabled) {
      user = backend.users.update(user.id, { enabled: true });
      log.push(`Enabled user ${user.name}`);
    }
    const hash = backend.users.passwordHash(user.id);
    if (hash === null || !(await verifyPassword(options.password, hash))) {
      backend.users.setPasswordHash(user.id, await hashPassword(options.password, cost));
      log.push(`Reset the password of user ${user.name}`);
    }
  }

  // reader ⊂ member ⊂ admin: each bootstrap role implies the next lower one.
  const roleIds: Record<string, string> = {};
  for (const name of ['reader', 'member', roleName]) {
    let role = backend.roles.byName(name);
    if (!role) {
      role = backend.roles.create({ name, domainId: null, description: '', extra: {} });
      log.push(`Created role ${name} (${role.id})`);
    }
    roleIds[name] = role.id;
  }
  for (const [prior, implied] of [
    [roleName, 'member'],
    ['member', 'reader'],
  ] as const) {
    if (prior === implied) continue;
    if (!backend.roles.implies(roleIds[prior]!, roleIds[implied]!)) {
      backend.roles.addImplication(roleIds[prior]!, roleIds[implied]!);
      log.push(`Role ${prior} now implies ${implied}`);
    }
  }

  const adminRole = roleIds[roleName]!;
  if (!backend.assignments.has('project', project.id, user.id, adminRole)) {
    backend.assignments.grant('project', project.id, user.id, adminRole);
    log.push(`Granted ${roleName} on project ${project.name} to ${user.name}`);
  }
  if (!backend.assignments.has('system', SYSTEM_TARGET, user.id, adminRole)) {
    backend.assignments.grant('system', SYSTEM_TARGET, user.id, adminRole);
    log.push(`Granted ${roleName} on the system to ${user.name}`);
  }

  if (options.regionId && !backend.catalog.region(options.regionId)) {
    backend.catalog.createRegion({
      id: options.regionId,
      description: '',
      parentRegionId: null,
      extra: {},
    });
    log.push(`Created region ${options.regionId}`);
  }
  const regionId = options.regionId ?? null;

  const identityUrls: [Interface, string | undefined][] = [
    ['public', options.publicUrl],
    ['internal', options.internalUrl ?? options.publicUrl],
    ['admin', options.adminUrl ?? options.publicUrl],
  ];
  if (identityUrls.some(([, url]) => url)) {
    const service = ensureService(backend, 'identity', options.serviceName ?? 'keystone', log);
    for (const [iface, url] of identityUrls)
      if (url) ensureEndpoint(backend, service, iface, url, regionId, log);
  }
  if (options.objectStoreUrl) {
    const service = ensureService(backend, 'object-store', 'swift', log);
    const adminUrl =
      options.objectStoreAdminUrl ?? new URL(options.objectStoreUrl.replace(/[$%]\(/g, '(')).origin;
    ensureEndpoint(backend, service, 'public', options.objectStoreUrl, regionId, log);
    ensureEndpoint(backend, service, 'internal', options.objectStoreUrl, regionId, log);
    ensureEndpoint(backend, service, 'admin', adminUrl, regionId, log);
  }

  return { userId: user.id, projectId: project.id, roleIds, log };
}

function ensureService(backend: Backend, type: string, name: string, log: string[]): Service {
  const existing = backend.catalog.services().find((s) => s.type === type && s.extra.name === name);
  if (existing) return existing;
  const service = backend.catalog.createService({ type, enabled: true, extra: { name } });
  log.push(`Created ${type} service ${name} (${service.id})`);
  return service;
}

function ensureEndpoint(
  backend: Backend,
  service: Service,
  iface: Interface,
  url: string,
  regionId: string | null,
  log: string[],
): void {
  const existing = backend.catalog
    .endpoints()
    .find((e) => e.serviceId === service.id && e.interface === iface && e.regionId === regionId);
  if (!existing) {
    backend.catalog.createEndpoint({
      serviceId: service.id,
      interface: iface,
      regionId,
      url,
      enabled: true,
      extra: {},
    });
    log.push(`Created ${iface} endpoint ${url}`);
  } else if (existing.url !== url) {
    backend.catalog.updateEndpoint(existing.id, { url });
    log.push(`Updated ${iface} endpoint to ${url}`);
  }
}
