/**
 * Keystone's errors: every failure the identity API reports is one of these, rendered in one
 * place (app.ts) as Keystone's body `{"error": {"code", "title", "message"}}`. Messages are
 * Keystone's own (keystone/exception.py), so clients and scripts that match on them keep
 * working. Security errors (401, 403) say no more than Keystone does without insecure_debug:
 * a wrong password, an unknown user and a disabled project all read the same.
 */

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

export class KeystoneError extends Error {
  readonly title: string;

  constructor(
    readonly code: number,
    message: string,
    /** Extra members of the error body (Keystone adds `identity` to auth plugin errors). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'KeystoneError';
    this.title = TITLES[code] ?? 'Error';
  }

  body(): { error: Record<string, unknown> } {
    return { error: { code: this.code, title: this.title, message: this.message, ...this.extra } };
  }
}

const CLIENT_IN_ERROR =
  'The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';

/** Keystone's ValidationError: "Expecting to find <attribute> in <target>. …" */
export function validationError(attribute: string, target: string): KeystoneError {
  return new KeystoneError(400, `Expecting to find ${attribute} in ${target}. ${CLIENT_IN_ERROR}`);
}

/** Keystone's SchemaValidationError: the detail is the whole message. */
export function schemaError(detail: string): KeystoneError {
  return new KeystoneError(400, detail);
}

export function unauthorized(): KeystoneError {
  return new KeystoneError(401, 'The request you have made requires authentication.');
}

export function methodNotSupported(methods: readonly string[]): KeystoneError {
  return new KeystoneError(401, 'Attempted to authenticate with an unsupported method.', {
    identity: { methods: [...methods] },
  });
}

export function forbiddenAction(action: string): KeystoneError {
  return new KeystoneError(
    403,
    `You are not authorized to perform the requested action: ${action}.`,
  );
}

/** A 403 whose message is safe to show (Keystone's ForbiddenNotSecurity). */
export function forbidden(message: string): KeystoneError {
  return new KeystoneError(403, message);
}

export function notFound(kind: string, id: string): KeystoneError {
  return new KeystoneError(404, `Could not find ${kind}: ${id}.`);
}

/** Keystone's Conflict as its SQL layer words duplicates. */
export function duplicate(
  type: string,
  field: 'name' | 'ID',
  value: string,
  domainId?: string,
): KeystoneError {
  const details =
    domainId === undefined
      ? `Duplicate entry found with ${field} ${value}`
      : `Duplicate entry found with ${field} ${value} at domain ID ${domainId}`;
  return conflict(type, details);
}

export function conflict(type: string, details: string): KeystoneError {
  return new KeystoneError(409, `Conflict occurred attempting to store ${type} - ${details}.`);
}

export function unexpected(): KeystoneError {
  return new KeystoneError(
    500,
    'An unexpected error prevented the server from fulfilling your request.',
  );
}
