/**
 * The identity API as an Express app: request ids and access logs, the body rules, every
 * route, and the one place where errors become Keystone's error bodies (with
 * `WWW-Authenticate: Keystone uri="…"` on 401s, as Keystone sends).
 */
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { KeystoneError, unexpected } from './errors.js';
import { baseUrl, jsonBody, MAX_BODY_BYTES, type ApiContext } from './http.js';
import { assignmentRoutes } from './routes/assignments.js';
import { authRoutes } from './routes/auth.js';
import { catalogRoutes } from './routes/catalog.js';
import { credentialRoutes } from './routes/credentials.js';
import { discoveryRoutes } from './routes/discovery.js';
import { resourceRoutes } from './routes/resources.js';
import { roleRoutes } from './routes/roles.js';
import { userRoutes } from './routes/users.js';

/** body-parser's errors, as Keystone words them. */
function fromParserError(err: unknown): KeystoneError | undefined {
  const e = err as { type?: string; status?: number };
  if (e.type === 'entity.too.large') return new KeystoneError(413, 'Request is too large.');
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new KeystoneError(e.status, e.status === 400 ? 'Bad Request' : 'Request failed');
  }
  return undefined;
}

export function createIdentityApp(ctx: ApiContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const requestId = `req-${randomUUID()}`;
    const started = process.hrtime.bigint();
    // Keystone varies every answer on the caller's token.
    res.set('Vary', 'X-Auth-Token').set('X-OpenStack-Request-ID', requestId);
    res.on('finish', () => {
      ctx.logger.info(
        {
          requestId,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
        },
        'request',
      );
    });
    next();
  });
  app.use(express.raw({ type: () => true, limit: MAX_BODY_BYTES }));
  app.use(jsonBody);

  discoveryRoutes(app, ctx);
  authRoutes(app, ctx);
  resourceRoutes(app, ctx);
  userRoutes(app, ctx);
  roleRoutes(app, ctx);
  assignmentRoutes(app, ctx);
  catalogRoutes(app, ctx);
  credentialRoutes(app, ctx);

  app.use((_req: Request, _res: Response, next: NextFunction) => {
    next(new KeystoneError(404, 'The resource could not be found.'));
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let error = err instanceof KeystoneError ? err : fromParserError(err);
    if (!error) {
      ctx.logger.error({ err, method: req.method, path: req.path }, 'unexpected error');
      error = unexpected();
    }
    if (error.code === 401) res.set('WWW-Authenticate', `Keystone uri="${baseUrl(req, ctx)}/v3"`);
    res.status(error.code).json(error.body());
  });
  return app;
}
