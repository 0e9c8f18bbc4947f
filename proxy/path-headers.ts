/**
 * Headers whose value names another object or account (`X-Copy-From`, `Destination`,
 * `X-Symlink-Target`, `X-Copy-From-Account`, …), read as Swift reads them: URL-decoded once,
 * `<container>/<object>` with an optional leading slash, 412 when malformed. And Python's
 * `quote()`, for the values Swift writes back (`X-Copied-From`, symlink targets).
 */
import { StratusError } from '../common/errors.js';

/** Python's `urllib.parse.unquote`: invalid escapes stay as they are, bad UTF-8 becomes U+FFFD. */
export function unquote(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) =>
    Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
  );
}

/** Python's `urllib.parse.quote(text, safe='/')` of the UTF-8 bytes. */
export function swiftQuote(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.\-~/]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export interface ObjectRef {
  container: string;
  object: string;
}

/**
 * `<container>/<object>` (a leading `/` is optional) from a header value; both parts must be
 * non-empty, and the object keeps any further slashes (Swift's `check_path_header`).
 */
export function parsePathHeader(value: string, message: string): ObjectRef {
  let text = unquote(value);
  if (!text.startsWith('/')) text = `/${text}`;
  const rest = text.slice(1);
  const slash = rest.indexOf('/');
  const container = slash < 0 ? rest : rest.slice(0, slash);
  const object = slash < 0 ? '' : rest.slice(slash + 1);
  if (container === '' || object === '') throw new StratusError('PRECONDITION_FAILED', message);
  return { container, object };
}

/** An account named in a header (Swift's `check_account_format`): not empty, no slash. */
export function parseAccountHeader(value: string): string {
  const account = unquote(value);
  if (account === '') throw new StratusError('PRECONDITION_FAILED', 'Account name cannot be empty');
  if (account.includes('/'))
    throw new StratusError('PRECONDITION_FAILED', 'Account name cannot contain slashes');
  return account;
}
