/**
 * JSON as Python's `json.dumps` writes it with its defaults (`, ` and `: ` separators,
 * everything outside ASCII escaped): the bodies Swift's large-object middlewares produce are
 * read by clients and compared byte for byte in tests, so they are written the same way.
 */
import { pyString } from '../../common/listing.js';

export function pythonJson(value: unknown, sortKeys = false): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((item) => pythonJson(item, sortKeys)).join(', ')}]`;
  let entries = Object.entries(value as Record<string, unknown>).filter(
    ([, item]) => item !== undefined,
  );
  if (sortKeys) entries = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${pyString(key)}: ${pythonJson(item, sortKeys)}`).join(', ')}}`;
}
