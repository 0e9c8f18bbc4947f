/**
 * Typed errors for every Stratus process, and the one place where they become HTTP statuses.
 *
 * Code below the HTTP boundary throws `StratusError` with a stable code (like undici's
 * `UND_ERR_*` or Garage's error enums); servers turn any thrown value into a status with
 * `statusOf()` and never decide statuses elsewhere. Adding a code forces a decision about
 * its status here, because `ERROR_STATUS` is the only source of that mapping.
 */

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_TIMESTAMP: 400,
  INVALID_PATH: 400,
  INVALID_NAME: 400,
  INVALID_METADATA: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  CLIENT_TIMEOUT: 408,
  CONFLICT: 409,
  LENGTH_REQUIRED: 411,
  PRECONDITION_FAILED: 412,
  TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  ETAG_MISMATCH: 422,
  CLIENT_DISCONNECTED: 499,
  INTERNAL: 500,
  CONFIG_INVALID: 500,
  RING_INVALID: 500,
  NOT_IMPLEMENTED: 501,
  QUORUM_NOT_MET: 503,
  UNAVAILABLE: 503,
  INSUFFICIENT_STORAGE: 507,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface StratusErrorOptions {
  /** Headers the response must carry (e.g. `X-Backend-Timestamp` on a 404 or 409). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class StratusError extends Error {
  readonly code: ErrorCode;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: StratusErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StratusError';
    this.code = code;
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** The HTTP status for anything thrown: a StratusError's mapped status, otherwise 500. */
export function statusOf(err: unknown): number {
  return err instanceof StratusError ? err.status : 500;
}

/** True when the thrown value is a StratusError with one of the given codes. */
export function hasCode(err: unknown, ...codes: ErrorCode[]): err is StratusError {
  return err instanceof StratusError && codes.includes(err.code);
}

/** A short message for logs and one-line CLI errors, whatever was thrown. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
