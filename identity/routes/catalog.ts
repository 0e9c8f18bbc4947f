/** /v3/regions, /v3/services and /v3/endpoints: the catalog tokens carry. */
import type { Express } from 'express';
import { KeystoneError, schemaError, validationError } from '../errors.js';
import {
  authenticate,
  body,
  filterByQuery,
  linker,
  param,
  sendCollection,
  type ApiContext,
} from '../http.js';
import { enforce } from '../policy.js';
import { renderEndpoint, renderRegion, renderService } from '../render.js';
import { INTERFACES, type Interface } from '../store/catalog.js';
import {
  bodyMember,
  extraOf,
  pyRepr,
  validateEntity,
  type FieldSpec,
  type Json,
} from '../validate.js';

const REGION_FIELDS: Record<string, FieldSpec> = {
  id: { type: 'string', minLength: 1, maxLength: 255 },
  description: { type: 'nullable-string' },
  parent_region_id: { type: 'nullable-string' },
};
const REGION_KNOWN = ['id', 'description', 'parent_region_id'];

const SERVICE_FIELDS: Record<string, FieldSpec> = {
  type: { type: 'string', minLength: 1, maxLength: 255 },
  enabled: { type: 'boolean' },
  name: { type: 'string' },
  description: { type: 'nullable-string' },
};
const SERVICE_KNOWN = ['id', 'type', 'enabled'];

const ENDPOINT_FIELDS: Record<string, FieldSpec> = {
  interface: { type: { enum: INTERFACES } },
  service_id: { type: 'string' },
  url: { type: 'string', minLength: 1, maxLength: 225 },
  region_id: { type: 'nullable-string' },
  region: { type: 'nullable-string' },
  enabled: { type: 'boolean' },
};
const ENDPOINT_KNOWN = [
  'id',
  'interface',
  'service_id',
  'url',
  'region_id',
  'region',
  'enabled',
  'legacy_endpoint_id',
];

/** Keystone's endpoint URL rule (keystone/common/validation/parameter_types.py `url`). */
const URL_PATTERN = /^[a-zA-Z0-9+.-]+:.+/;

function checkUrl(url: string): void {
  if (!URL_PATTERN.test(url)) {
    throw schemaError(
      `Invalid input for field 'url': ${pyRepr(url)} does not match '^[a-zA-Z0-9+.-]+:.+'`,
    );
  }
}

export function catalogRoutes(app: Express, ctx: ApiContext): void {
  const { backend } = ctx;
  const { catalog } = backend;

  // --- regions ---------------------------------------------------------------------------

  app.get('/v3/regions', (req, res) => {
    enforce('identity:list_regions', authenticate(req, ctx).caller);
    const items = catalog.regions().map((r) => renderRegion(r, linker(req, ctx)));
    sendCollection(req, res, ctx, 'regions', filterByQuery(req, items, ['parent_region_id']));
  });

  const createRegion = (input: Json, id: string | undefined) => {
    validateEntity(input, REGION_FIELDS);
    return catalog.createRegion({
      id: id ?? (input.id as string | undefined),
      description: (input.description as string | null | undefined) ?? '',
      parentRegionId: (input.parent_region_id as string | null | undefined) ?? null,
      extra: extraOf(input, REGION_KNOWN),
    });
  };

  app.post('/v3/regions', (req, res) => {
    enforce('identity:create_region', authenticate(req, ctx).caller);
    const region = createRegion(bodyMember(body(req), 'region'), undefined);
    res.status(201).json({ region: renderRegion(region, linker(req, ctx)) });
  });

  app.put('/v3/regions/:region_id', (req, res) => {
    enforce('identity:create_region', authenticate(req, ctx).caller);
    const input = bodyMember(body(req), 'region');
    if ('id' in input && input.id !== param(req, 'region_id')) {
      throw new KeystoneError(
        400,
        'Conflicting region IDs specified: "' +
          param(req, 'region_id') +
          '" != "' +
          String(input.id) +
          '"',
      );
    }
    const region = createRegion(input, param(req, 'region_id'));
    res.status(201).json({ region: renderRegion(region, linker(req, ctx)) });
  });

  app.get('/v3/regions/:region_id', (req, res) => {
    enforce('identity:get_region', authenticate(req, ctx).caller);
    res.status(200).json({
      region: renderRegion(catalog.requireRegion(param(req, 'region_id')), linker(req, ctx)),
    });
  });

  app.patch('/v3/regions/:region_id', (req, res) => {
    enforce('identity:update_region', authenticate(req, ctx).caller);
    const id = param(req, 'region_id');
    const current = catalog.requireRegion(id);
    const input = bodyMember(body(req), 'region');
    validateEntity(input, REGION_FIELDS);
    if ('id' in input && input.id !== id) throw new KeystoneError(400, 'Cannot change ID');
    const region = catalog.updateRegion(id, {
      ...('description' in input && { description: (input.description as string | null) ?? '' }),
      ...('parent_region_id' in input && {
        parentRegionId: (input.parent_region_id as string | null) ?? null,
      }),
      extra: { ...current.extra, ...extraOf(input, REGION_KNOWN) },
    });
    res.status(200).json({ region: renderRegion(region, linker(req, ctx)) });
  });

  app.delete('/v3/regions/:region_id', (req, res) => {
    enforce('identity:delete_region', authenticate(req, ctx).caller);
    catalog.deleteRegion(param(req, 'region_id'));
    res.status(204).end();
  });

  // --- services --------------------------------------------------------------------------

  app.get('/v3/services', (req, res) => {
    enforce('identity:list_services', authenticate(req, ctx).caller);
    const items = catalog.services().map((s) => renderService(s, linker(req, ctx)));
    sendCollection(req, res, ctx, 'services', filterByQuery(req, items, ['type', 'name']));
  });

  app.post('/v3/services', (req, res) => {
    enforce('identity:create_service', authenticate(req, ctx).caller);
    const input = bodyMember(body(req), 'service');
    validateEntity(input, SERVICE_FIELDS, ['type']);
    const service = catalog.createService({
      type: input.type as string,
      enabled: input.enabled !== false,
      extra: extraOf(input, SERVICE_KNOWN),
    });
    res.status(201).json({ service: renderService(service, linker(req, ctx)) });
  });

  app.get('/v3/services/:service_id', (req, res) => {
    enforce('identity:get_service', authenticate(req, ctx).caller);
    res.status(200).json({
      service: renderService(catalog.requireService(param(req, 'service_id')), linker(req, ctx)),
    });
  });

  app.patch('/v3/services/:service_id', (req, res) => {
    enforce('identity:update_service', authenticate(req, ctx).caller);
    const id = param(req, 'service_id');
    const current = catalog.requireService(id);
    const input = bodyMember(body(req), 'service');
    validateEntity(input, SERVICE_FIELDS);
    if ('id' in input && input.id !== id) throw new KeystoneError(400, 'Cannot change ID');
    const service = catalog.updateService(id, {
      ...(typeof input.type === 'string' && { type: input.type }),
      ...(typeof input.enabled === 'boolean' && { enabled: input.enabled }),
      extra: { ...current.extra, ...extraOf(input, SERVICE_KNOWN) },
    });
    res.status(200).json({ service: renderService(service, linker(req, ctx)) });
  });

  app.delete('/v3/services/:service_id', (req, res) => {
    enforce('identity:delete_service', authenticate(req, ctx).caller);
    catalog.deleteService(param(req, 'service_id'));
    res.status(204).end();
  });

  // --- endpoints -------------------------------------------------------------------------

  /** region_id, or the legacy `region` attribute, which must name an existing region. */
  const endpointRegion = (input: Json): string | null | undefined => {
    const regionId = 'region_id' in input ? input.region_id : input.region;
    if (regionId === undefined || regionId === null) return regionId;
    if (!catalog.region(regionId as string))
      throw validationError('endpoint region_id', 'region table');
    return regionId as string;
  };

  app.get('/v3/endpoints', (req, res) => {
    enforce('identity:list_endpoints', authenticate(req, ctx).caller);
    const items = catalog.endpoints().map((e) => renderEndpoint(e, linker(req, ctx)));
    sendCollection(
      req,
      res,
      ctx,
      'endpoints',
      filterByQuery(req, items, ['interface', 'service_id', 'region_id']),
    );
  });

  app.post('/v3/endpoints', (req, res) => {
    enforce('identity:create_endpoint', authenticate(req, ctx).caller);
    const input = bodyMember(body(req), 'endpoint');
    validateEntity(input, ENDPOINT_FIELDS, ['interface', 'service_id', 'url']);
    checkUrl(input.url as string);
    catalog.requireService(input.service_id as string);
    const endpoint = catalog.createEndpoint({
      serviceId: input.service_id as string,
      interface: input.interface as Interface,
      regionId: endpointRegion(input) ?? null,
      url: input.url as string,
      enabled: input.enabled !== false,
      extra: extraOf(input, ENDPOINT_KNOWN),
    });
    res.status(201).json({ endpoint: renderEndpoint(endpoint, linker(req, ctx)) });
  });

  app.get('/v3/endpoints/:endpoint_id', (req, res) => {
    enforce('identity:get_endpoint', authenticate(req, ctx).caller);
    res.status(200).json({
      endpoint: renderEndpoint(
        catalog.requireEndpoint(param(req, 'endpoint_id')),
        linker(req, ctx),
      ),
    });
  });

  app.patch('/v3/endpoints/:endpoint_id', (req, res) => {
    enforce('identity:update_endpoint', authenticate(req, ctx).caller);
    const id = param(req, 'endpoint_id');
    const current = catalog.requireEndpoint(id);
    const input = bodyMember(body(req), 'endpoint');
    validateEntity(input, ENDPOINT_FIELDS);
    if ('id' in input && input.id !== id) throw new KeystoneError(400, 'Cannot change ID');
    if (typeof input.url === 'string') checkUrl(input.url);
    if (typeof input.service_id === 'string') catalog.requireService(input.service_id);
    const regionId = endpointRegion(input);
    const endpoint = catalog.updateEndpoint(id, {
      ...(typeof input.service_id === 'string' && { serviceId: input.service_id }),
      ...(typeof input.interface === 'string' && { interface: input.interface as Interface }),
      ...(regionId !== undefined && { regionId }),
      ...(typeof input.url === 'string' && { url: input.url }),
      ...(typeof input.enabled === 'boolean' && { enabled: input.enabled }),
      extra: { ...current.extra, ...extraOf(input, ENDPOINT_KNOWN) },
    });
    res.status(200).json({ endpoint: renderEndpoint(endpoint, linker(req, ctx)) });
  });

  app.delete('/v3/endpoints/:endpoint_id', (req, res) => {
    enforce('identity:delete_endpoint', authenticate(req, ctx).caller);
    catalog.deleteEndpoint(param(req, 'endpoint_id'));
    res.status(204).end();
  });
}
