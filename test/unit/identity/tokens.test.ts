/**
 * Token lifecycle on a real SQLite database: issue, validate, expire, revoke (one token or its
 * rescoping chain), and the state changes that end a token at once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueToken } from '../../../identity/authenticate.js';
import { Backend } from '../../../identity/backend.js';
import { openDatabase, type Db } from '../../../identity/db.js';
import { KeystoneError } from '../../../identity/errors.js';
import { SecretBox } from '../../../identity/secret-box.js';
import { bootstrap } from '../../../identity/seed.js';
import { renderToken, resolveToken } from '../../../identity/token-model.js';

let dir: string;
let db: Db;
let backend: Backend;

const passwordAuth = (scope?: unknown) => ({
  identity: {
    methods: ['password'],
    password: { user: { name: 'admin', domain: { id: 'default' }, password: 'pw' } },
  },
  ...(scope === undefined ? {} : { scope }),
});
const projectScope = { project: { name: 'admin', domain: { name: 'Default' } } };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratus-identity-unit-'));
  db = openDatabase(join(dir, 'identity.db'));
  backend = new Backend(db, SecretBox.open(join(dir, 'key')), {
    tokenExpiration: 60,
    defaultDomainId: 'default',
    passwordHashCost: 1024,
  });
  await bootstrap(backend, {
    password: 'pw',
    objectStoreUrl: 'http://proxy:8080/v1/AUTH_$(project_id)s',
  });
});

afterEach(async () => {
  db.close();
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<KeystoneError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KeystoneError);
  return err as KeystoneError;
}

describe('token lifecycle', () => {
  it('issues a project token with expanded roles and a per-project catalog', async () => {
    const now = Date.now();
    const { id, token } = await issueToken(backend, passwordAuth(projectScope), now);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token.roles.map((r) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
    const body = renderToken(backend, token, true).token;
    expect(body.expires_at).toBe(new Date(now + 60_000).toISOString().replace('Z', '000Z'));
    expect(body.methods).toEqual(['password']);
    const catalog = body.catalog as {
      type: string;
      endpoints: { url: string; interface: string }[];
    }[];
    const swift = catalog.find((s) => s.type === 'object-store')!;
    expect(swift.endpoints.find((e) => e.interface === 'public')!.url).toBe(
      `http://proxy:8080/v1/AUTH_${token.project!.id}`,
    );
    expect(renderToken(backend, token, false).token.catalog).toBeUndefined();
  });

  it('keeps only a hash of the token in the database', async () => {
    const { id } = await issueToken(backend, passwordAuth(projectScope));
    const dump = JSON.stringify(db.prepare('SELECT * FROM token').all());
    expect(dump).not.toContain(id);
  });

  it('refuses expired tokens and prunes them', async () => {
    const now = Date.now();
    const { id } = await issueToken(backend, passwordAuth(projectScope), now);
    expect(resolveToken(backend, id, now + 59_000)).toBeDefined();
    expect(resolveToken(backend, id, now + 60_000)).toBeUndefined();
    expect(backend.tokens.prune(now + 60_000)).toBe(1);
  });

  it('revokes one token, or its whole rescoping chain', async () => {
    const first = await issueToken(backend, passwordAuth());
    expect(first.token.project).toBeUndefined();
    const rescoped = await issueToken(backend, {
      identity: { methods: ['token'], token: { id: first.id } },
      scope: projectScope,
    });
    expect(rescoped.token.record.methods).toEqual(['token', 'password']);
    // Rescoping keeps the original expiry and audit chain.
    expect(rescoped.token.record.expiresAt).toBe(first.token.record.expiresAt);
    const audit = renderToken(backend, rescoped.token, false).token.audit_ids as string[];
    expect(audit).toEqual([rescoped.token.record.auditId, first.token.record.auditId]);

    const other = await issueToken(backend, passwordAuth(projectScope));
    backend.tokens.revoke(rescoped.id, false);
    expect(resolveToken(backend, rescoped.id)).toBeUndefined();
    expect(resolveToken(backend, first.id)).toBeDefined();

    const again = await issueToken(backend, {
      identity: { methods: ['token'], token: { id: first.id } },
      scope: projectScope,
    });
    backend.tokens.revoke(again.id, true);
    expect(resolveToken(backend, first.id)).toBeUndefined();
    expect(resolveToken(backend, other.id)).toBeDefined();
  });

  it('ends tokens when the password changes, the user or project is disabled, or the role goes', async () => {
    const user = backend.users.byName('admin', 'default')!;
    const project = backend.projects.byName('admin', 'default')!;
    const adminRole = backend.roles.byName('admin')!;

    const a = await issueToken(backend, passwordAuth(projectScope));
    backend.projects.update(project.id, { enabled: false });
    expect(resolveToken(backend, a.id)).toBeUndefined();
    backend.projects.update(project.id, { enabled: true });
    expect(resolveToken(backend, a.id)).toBeDefined();

    backend.users.update(user.id, { enabled: false });
    expect(resolveToken(backend, a.id)).toBeUndefined();
    expect((await failure(issueToken(backend, passwordAuth(projectScope)))).code).toBe(401);
    backend.users.update(user.id, { enabled: true });

    backend.assignments.revoke('project', project.id, user.id, adminRole.id);
    expect(resolveToken(backend, a.id)).toBeUndefined();
    expect((await failure(issueToken(backend, passwordAuth(projectScope)))).code).toBe(401);
    backend.assignments.grant('project', project.id, user.id, adminRole.id);

    const b = await issueToken(backend, passwordAuth(projectScope));
    backend.users.setPasswordHash(user.id, 'scrypt$1024$8$1$AAAA$AAAA');
    expect(resolveToken(backend, b.id)).toBeUndefined();
  });

  it("answers bad requests with Keystone's errors", async () => {
    expect((await failure(issueToken(backend, undefined))).message).toMatch(
      /^Expecting to find auth in request body\./,
    );
    expect((await failure(issueToken(backend, {}))).message).toBe(
      "'identity' is a required property",
    );
    const missing = await failure(issueToken(backend, { identity: { methods: ['password'] } }));
    expect(missing.code).toBe(400);
    expect(missing.message).toMatch(/^Expecting to find password in identity\./);
    const unknown = await failure(
      issueToken(backend, { identity: { methods: ['totp'], totp: {} } }),
    );
    expect(unknown.code).toBe(401);
    expect(unknown.body().error).toMatchObject({ identity: { methods: ['password', 'token'] } });
    const noDomain = await failure(
      issueToken(backend, passwordAuth({ project: { name: 'admin' } })),
    );
    expect(noDomain.code).toBe(400);
    expect(noDomain.message).toMatch(/^Expecting to find domain in project\./);
    const wrong = await failure(
      issueToken(backend, {
        identity: { methods: ['password'], password: { user: { id: 'nobody', password: 'x' } } },
      }),
    );
    expect(wrong.body()).toEqual({
      error: {
        code: 401,
        title: 'Unauthorized',
        message: 'The request you have made requires authentication.',
      },
    });
  });
});
