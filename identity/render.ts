/**
 * Resources as Keystone's API shows them (the api-ref's response bodies), each with its
 * `links.self`. Extra attributes a client stored come first, so the known fields win.
 */
import type { Region, Service, Endpoint } from './store/catalog.js';
import type { Domain, Project } from './store/resources.js';
import type { Role } from './store/roles.js';
import type { User } from './store/users.js';

/** Builds absolute /v3 links; given per request (the host may differ). */
export type Linker = (path: string) => string;

export function renderDomain(d: Domain, link: Linker): Record<string, unknown> {
  return {
    ...d.extra,
    id: d.id,
    name: d.name,
    description: d.description,
    enabled: d.enabled,
    tags: Array.isArray(d.extra.tags) ? d.extra.tags : [],
    options: {},
    links: { self: link(`domains/${d.id}`) },
  };
}

export function renderProject(p: Project, link: Linker): Record<string, unknown> {
  return {
    ...p.extra,
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description,
    enabled: p.enabled,
    parent_id: p.parentId,
    is_domain: false,
    tags: Array.isArray(p.extra.tags) ? p.extra.tags : [],
    options: {},
    links: { self: link(`projects/${p.id}`) },
  };
}

export function renderUser(u: User, link: Linker): Record<string, unknown> {
  const body: Record<string, unknown> = {
    ...u.extra,
    id: u.id,
    name: u.name,
    domain_id: u.domainId,
    enabled: u.enabled,
    password_expires_at: null,
    options: {},
    links: { self: link(`users/${u.id}`) },
  };
  if (u.defaultProjectId !== null) body.default_project_id = u.defaultProjectId;
  return body;
}

export function renderRole(r: Role, link: Linker): Record<string, unknown> {
  return {
    ...r.extra,
    id: r.id,
    name: r.name,
    domain_id: r.domainId,
    description: r.description,
    options: {},
    links: { self: link(`roles/${r.id}`) },
  };
}

/** A role as it appears inside role_inference bodies. */
export function renderRoleRef(r: Role, link: Linker): Record<string, unknown> {
  return { id: r.id, name: r.name, links: { self: link(`roles/${r.id}`) } };
}

export function renderRegion(r: Region, link: Linker): Record<string, unknown> {
  return {
    ...r.extra,
    id: r.id,
    description: r.description,
    parent_region_id: r.parentRegionId,
    links: { self: link(`regions/${r.id}`) },
  };
}

export function renderService(s: Service, link: Linker): Record<string, unknown> {
  return {
    ...s.extra,
    id: s.id,
    type: s.type,
    enabled: s.enabled,
    links: { self: link(`services/${s.id}`) },
  };
}

export function renderEndpoint(e: Endpoint, link: Linker): Record<string, unknown> {
  return {
    ...e.extra,
    id: e.id,
    interface: e.interface,
    region: e.regionId,
    region_id: e.regionId,
    service_id: e.serviceId,
    url: e.url,
    enabled: e.enabled,
    links: { self: link(`endpoints/${e.id}`) },
  };
}
