import { StratusError } from '../../common/errors.js';
import { Timestamp } from '../../common/timestamp.js';
import type { BackendRequest } from './types.js';

/** The request's X-Timestamp, required on every write; 400 when missing or malformed. */
export function requestTimestamp(req: BackendRequest): Timestamp {
  const text = req.header('x-timestamp');
  if (text === undefined) throw new StratusError('BAD_REQUEST', 'Missing X-Timestamp header');
  try {
    return Timestamp.parse(text);
  } catch {
    throw new StratusError('BAD_REQUEST', 'Invalid X-Timestamp header');
  }
}
