/**
 * The proxy's calls to Keystone's v3 API: validating a user's token
 * (`GET /v3/auth/tokens?nocatalog`, the caller's token in X-Auth-Token and the one to check
 * in X-Subject-Token) and, with service credentials, logging in to get the caller's token.
 *
 * Whose token is the caller? authtoken logs in as a service user, and Keystone's default
 * policy lets a `service` role (or a system reader) validate anyone's token. The same policy
 * also lets a token validate itself (`rule:token_subject`), which needs no secret in the
 * proxy's config at all, so that is what happens when no credentials are set; with
 * `username`/`password`/`project_name` set the proxy acts as authtoken does. Both give the
 * same answers: 200 with the token for a valid one, 404 (or 401 for a token checking itself)
 * for an expired, revoked or unknown one.
 */
import { Agent, request } from 'undici';
import { describeError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { KeystoneAuthConfig, ServiceCredentials } from './config.js';
import { identityFromTokenBody } from './token.js';
import type { Validation } from './token-cache.js';

/** Keystone could not give an answer (unreachable, failing, or refusing this proxy). */
export class KeystoneUnavailable extends Error {}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Keystone's answers are small (no catalog): anything bigger is not a token. */
const MAX_BODY_BYTES = 1024 * 1024;
/** A service token is renewed this long before it expires. */
const RENEW_MARGIN_MS = 60_000;

/** The v3 API root: auth_url with `/v3` added when it names Keystone's unversioned root. */
export function v3Url(authUrl: string): string {
  const trimmed = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

export class KeystoneClient {
  private readonly agent: Agent;
  private readonly base: string;
  private serviceToken: { token: string; expiresAt: number } | undefined;
  private login: Promise<string> | undefined;

  constructor(
    private readonly config: KeystoneAuthConfig,
    private readonly log: Logger,
  ) {
    const ms = config.timeoutSeconds * 1000;
    this.agent = new Agent({
      connections: 32,
      keepAliveTimeout: 4_000,
      headersTimeout: ms,
      bodyTimeout: ms,
      connect: { timeout: ms },
    });
    this.base = v3Url(config.authUrl);
  }

  /** Is this token valid, and whose is it? Rejects with KeystoneUnavailable. */
  async validate(token: string): Promise<Validation> {
    const service = this.config.service;
    let caller = service ? await this.callerToken(service) : token;
    const check = () =>
      this.send('GET', '/auth/tokens?nocatalog', {
        'X-Auth-Token': caller,
        'X-Subject-Token': token,
      });
    let reply = await check();
    if (service && reply.status === 401) {
      // Our own token lapsed or was revoked: log in again once.
      this.serviceToken = undefined;
      caller = await this.callerToken(service);
      reply = await check();
      if (reply.status === 401) throw this.refused('the service token was refused', reply.status);
    }
    if (reply.status === 200) {
      const identity = identityFromTokenBody(reply.body);
      if (!identity) throw this.refused('token validation answered without a token', 200);
      return { valid: true, identity };
    }
    // 404: unknown, expired or revoked. A token checking itself gets 401 for the same reasons.
    if (reply.status === 404 || reply.status === 401 || reply.status === 400)
      return { valid: false };
    if (reply.status === 403) {
      throw this.refused(
        'Keystone does not let this proxy validate tokens: set service credentials with the service role in [filter:keystoneauth]',
        403,
      );
    }
    throw this.refused('token validation failed', reply.status);
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private refused(message: string, status: number): KeystoneUnavailable {
    this.log.error({ status, keystone: this.base }, `keystoneauth: ${message}`);
    return new KeystoneUnavailable(`${message} (${status})`);
  }

  /** The service user's token, logging in when there is none or it is about to expire. */
  private async callerToken(service: ServiceCredentials): Promise<string> {
    const current = this.serviceToken;
    if (current && current.expiresAt - RENEW_MARGIN_MS > Date.now()) return current.token;
    this.login ??= this.logIn(service).finally(() => (this.login = undefined));
    return this.login;
  }

  private async logIn(service: ServiceCredentials): Promise<string> {
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: service.username,
              domain: service.userDomain,
              password: service.password,
            },
          },
        },
        scope: { project: service.project },
      },
    };
    const reply = await this.send('POST', '/auth/tokens?nocatalog', {}, JSON.stringify(body));
    const token = reply.headers['x-subject-token'];
    const identity = identityFromTokenBody(reply.body);
    if (reply.status !== 201 || typeof token !== 'string' || !identity)
      throw this.refused(
        'the service credentials in [filter:keystoneauth] were refused',
        reply.status,
      );
    this.serviceToken = { token, expiresAt: identity.expiresAt };
    return token;
  }

  /** One call, retried (http_request_max_retries) only when Keystone cannot be reached. */
  private async send(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(method, path, headers, body);
      } catch (err) {
        if (attempt >= this.config.maxRetries || !unreachable(err)) {
          this.log.error(
            { err: describeError(err), keystone: this.base },
            'keystoneauth: no answer from Keystone',
          );
          throw new KeystoneUnavailable(`no answer from Keystone: ${describeError(err)}`, {
            cause: err,
          });
        }
      }
    }
  }

  private async once(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<Reply> {
    const response = await request(`${this.base}${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        'User-Agent': 'stratus-keystoneauth',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body ?? null,
      dispatcher: this.agent,
      signal: AbortSignal.timeout(this.config.timeoutSeconds * 1000),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        response.body.destroy();
        throw new Error(`Keystone's answer exceeds ${MAX_BODY_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.statusCode, headers: response.headers, body: parsed };
  }
}

/** Errors worth another try: the connection failed (not a slow or failing Keystone). */
function unreachable(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  );
}
