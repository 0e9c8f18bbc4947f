/**
 * The service catalog: regions, services and their endpoints. A token's catalog lists every
 * enabled service with its enabled endpoints, their URLs filled in for the token's scope:
 * `$(project_id)s` or `%(project_id)s` (also `tenant_id` and `user_id`), as Keystone's
 * format_url does — so the object store's `http://proxy/v1/AUTH_$(project_id)s` becomes each
 * project's own account URL. An endpoint whose URL needs a project the token does not name is
 * left out, as Keystone leaves it out.
 */
import { duplicate, forbidden, notFound } from '../errors.js';
import { newId, parseExtra, type Db } from '../db.js';

export interface Region {
  id: string;
  description: string;
  parentRegionId: string | null;
  extra: Record<string, unknown>;
}

export interface Service {
  id: string;
  type: string;
  enabled: boolean;
  /** name, description and any other attributes a client set. */
  extra: Record<string, unknown>;
}

export const INTERFACES = ['public', 'internal', 'admin'] as const;
export type Interface = (typeof INTERFACES)[number];

export interface Endpoint {
  id: string;
  serviceId: string;
  interface: Interface;
  regionId: string | null;
  url: string;
  enabled: boolean;
  extra: Record<string, unknown>;
}

export interface CatalogEntry {
  id: string;
  type: string;
  name: string;
  endpoints: {
    id: string;
    interface: string;
    region: string | null;
    region_id: string | null;
    url: string;
  }[];
}

interface RegionRow {
  id: string;
  description: string;
  parent_region_id: string | null;
  extra: string;
}
interface ServiceRow {
  id: string;
  type: string;
  enabled: number;
  extra: string;
}
interface EndpointRow {
  id: string;
  service_id: string;
  interface: string;
  region_id: string | null;
  url: string;
  enabled: number;
  extra: string;
}

const toRegion = (r: RegionRow): Region => ({
  id: r.id,
  description: r.description,
  parentRegionId: r.parent_region_id,
  extra: parseExtra(r.extra),
});
const toService = (r: ServiceRow): Service => ({
  id: r.id,
  type: r.type,
  enabled: r.enabled === 1,
  extra: parseExtra(r.extra),
});
const toEndpoint = (r: EndpointRow): Endpoint => ({
  id: r.id,
  serviceId: r.service_id,
  interface: r.interface as Interface,
  regionId: r.region_id,
  url: r.url,
  enabled: r.enabled === 1,
  extra: parseExtra(r.extra),
});

/**
 * Fills `$(name)s` / `%(name)s` markers from `values`; undefined when a marker names a value
 * that is missing (the endpoint is then left out of this token's catalog).
 */
export function formatUrl(
  url: string,
  values: Record<string, string | undefined>,
): string | undefined {
  let missing = false;
  const text = url.replace(/[$%]\(([^)]+)\)s/g, (_whole, name: string) => {
    const value = values[name];
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? undefined : text;
}

export class CatalogStore {
  constructor(private readonly db: Db) {}

  // --- regions ---------------------------------------------------------------------------

  region(id: string): Region | undefined {
    const row = this.db.prepare('SELECT * FROM region WHERE id = ?').get(id) as
      RegionRow | undefined;
    return row && toRegion(row);
  }

  requireRegion(id: string): Region {
    const region = this.region(id);
    if (!region) throw notFound('region', id);
    return region;
  }

  regions(): Region[] {
    return (this.db.prepare('SELECT * FROM region ORDER BY id').all() as RegionRow[]).map(toRegion);
  }

  createRegion(input: Omit<Region, 'id'> & { id?: string }): Region {
    const region = { ...input, id: input.id ?? newId() };
    if (this.region(region.id)) throw duplicate('region', 'ID', region.id);
    if (region.parentRegionId !== null) this.requireRegion(region.parentRegionId);
    this.db
      .prepare('INSERT INTO region (id, description, parent_region_id, extra) VALUES (?, ?, ?, ?)')
      .run(region.id, region.description, region.parentRegionId, JSON.stringify(region.extra));
    return region;
  }

  updateRegion(id: string, patch: Partial<Omit<Region, 'id'>>): Region {
    const region = { ...this.requireRegion(id), ...patch };
    if (region.parentRegionId !== null) this.requireRegion(region.parentRegionId);
    this.db
      .prepare('UPDATE region SET description = ?, parent_region_id = ?, extra = ? WHERE id = ?')
      .run(region.description, region.parentRegionId, JSON.stringify(region.extra), id);
    return region;
  }

  deleteRegion(id: string): void {
    this.requireRegion(id);
    const used =
      this.db.prepare('SELECT 1 FROM endpoint WHERE region_id = ? LIMIT 1').get(id) !== undefined ||
      this.db.prepare('SELECT 1 FROM region WHERE parent_region_id = ? LIMIT 1').get(id) !==
        undefined;
    if (used) {
      throw forbidden(
        `Unable to delete region ${id} because it or its child regions have associated endpoints.`,
      );
    }
    this.db.prepare('DELETE FROM region WHERE id = ?').run(id);
  }

  // --- services --------------------------------------------------------------------------

  service(id: string): Service | undefined {
    const row = this.db.prepare('SELECT * FROM service WHERE id = ?').get(id) as
      ServiceRow | undefined;
    return row && toService(row);
  }

  requireService(id: string): Service {
    const service = this.service(id);
    if (!service) throw notFound('service', id);
    return service;
  }

  services(): Service[] {
    return (this.db.prepare('SELECT * FROM service ORDER BY type, id').all() as ServiceRow[]).map(
      toService,
    );
  }

  createService(input: Omit<Service, 'id'> & { id?: string }): Service {
    const service = { ...input, id: input.id ?? newId() };
    this.db
      .prepare('INSERT INTO service (id, type, enabled, extra) VALUES (?, ?, ?, ?)')
      .run(service.id, service.type, service.enabled ? 1 : 0, JSON.stringify(service.extra));
    return service;
  }

  updateService(id: string, patch: Partial<Omit<Service, 'id'>>): Service {
    const service = { ...this.requireService(id), ...patch };
    this.db
      .prepare('UPDATE service SET type = ?, enabled = ?, extra = ? WHERE id = ?')
      .run(service.type, service.enabled ? 1 : 0, JSON.stringify(service.extra), id);
    return service;
  }

  /** Deletes the service; its endpoints cascade. */
  deleteService(id: string): void {
    this.requireService(id);
    this.db.prepare('DELETE FROM service WHERE id = ?').run(id);
  }

  // --- endpoints -------------------------------------------------------------------------

  endpoint(id: string): Endpoint | undefined {
    const row = this.db.prepare('SELECT * FROM endpoint WHERE id = ?').get(id) as
      EndpointRow | undefined;
    return row && toEndpoint(row);
  }

  requireEndpoint(id: string): Endpoint {
    const endpoint = this.endpoint(id);
    if (!endpoint) throw notFound('endpoint', id);
    return endpoint;
  }

  endpoints(): Endpoint[] {
    return (
      this.db
        .prepare('SELECT * FROM endpoint ORDER BY service_id, interface')
        .all() as EndpointRow[]
    ).map(toEndpoint);
  }

  createEndpoint(input: Omit<Endpoint, 'id'> & { id?: string }): Endpoint {
    const endpoint = { ...input, id: input.id ?? newId() };
    this.db
      .prepare(
        'INSERT INTO endpoint (id, service_id, interface, region_id, url, enabled, extra) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        endpoint.id,
        endpoint.serviceId,
        endpoint.interface,
        endpoint.regionId,
        endpoint.url,
        endpoint.enabled ? 1 : 0,
        JSON.stringify(endpoint.extra),
      );
    return endpoint;
  }

  updateEndpoint(id: string, patch: Partial<Omit<Endpoint, 'id'>>): Endpoint {
    const endpoint = { ...this.requireEndpoint(id), ...patch };
    this.db
      .prepare(
        'UPDATE endpoint SET service_id = ?, interface = ?, region_id = ?, url = ?, enabled = ?, extra = ? WHERE id = ?',
      )
      .run(
        endpoint.serviceId,
        endpoint.interface,
        endpoint.regionId,
        endpoint.url,
        endpoint.enabled ? 1 : 0,
        JSON.stringify(endpoint.extra),
        id,
      );
    return endpoint;
  }

  deleteEndpoint(id: string): void {
    this.requireEndpoint(id);
    this.db.prepare('DELETE FROM endpoint WHERE id = ?').run(id);
  }

  /** The catalog as a token carries it, URLs filled in for the given scope. */
  catalogFor(values: { userId: string; projectId?: string }): CatalogEntry[] {
    const substitutions = {
      user_id: values.userId,
      project_id: values.projectId,
      tenant_id: values.projectId,
    };
    const endpoints = this.endpoints().filter((e) => e.enabled);
    return this.services()
      .filter((s) => s.enabled)
      .map((service) => ({
        endpoints: endpoints
          .filter((e) => e.serviceId === service.id)
          .flatMap((e) => {
            const url = formatUrl(e.url, substitutions);
            return url === undefined
              ? []
              : [
                  {
                    id: e.id,
                    interface: e.interface,
                    region_id: e.regionId,
                    url,
                    region: e.regionId,
                  },
                ];
          }),
        id: service.id,
        type: service.type,
        name: typeof service.extra.name === 'string' ? service.extra.name : '',
      }));
  }
}
