/**
 * Swift API paths: `/v1/<account>[/<container>[/<object>]]` (`v1.0` too). Each part is
 * percent-decoded once; names that are not valid UTF-8 or contain NUL are refused with 412,
 * as Swift's proxy does.
 */
import { StratusError } from '../common/errors.js';

export interface ApiPath {
  account: string;
  container?: string;
  object?: string;
}

const VERSIONS = new Set(['v1', 'v1.0']);

function decodePart(raw: string): string {
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    throw new StratusError('PRECONDITION_FAILED', 'Invalid UTF8 or contains NULL');
  }
  if (text.includes('\0') || !text.isWellFormed())
    throw new StratusError('PRECONDITION_FAILED', 'Invalid UTF8 or contains NULL');
  return text;
}

/** The API path, or undefined when the path is not under /v1. */
export function parseApiPath(rawPath: string): ApiPath | undefined {
  const segments = rawPath.split('/');
  if (segments[0] !== '' || !VERSIONS.has(segments[1] ?? '') || !segments[2]) return undefined;
  const path: ApiPath = { account: decodePart(segments[2]) };
  if (segments.length > 3 && segments[3] !== '') path.container = decodePart(segments[3]!);
  else if (segments.length > 4) return undefined; // `/v1/a//o`
  if (segments.length > 4) {
    const object = decodePart(segments.slice(4).join('/'));
    if (object !== '') path.object = object;
  }
  return path;
}
