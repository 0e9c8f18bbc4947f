/**
 * The result bodies of Swift's bulk-style large-object operations (bulk.py's
 * get_response_body): a summary dictionary plus `Errors`, a list of [quoted path, status]
 * pairs, as JSON, XML (root `upload` for a manifest PUT, `delete` for a manifest delete) or
 * plain text, chosen by the Accept header.
 */
import type { BulkFormat } from '../bulk/formats.js';
import { pythonJson } from './python-json.js';

export type Summary = [key: string, value: string | number][];
export type ErrorList = [name: string, status: string][];

const xmlEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function resultBody(
  format: BulkFormat | undefined,
  summary: Summary,
  errors: ErrorList,
  rootTag: 'upload' | 'delete',
): string {
  if (format === 'application/json') {
    return pythonJson({ ...Object.fromEntries(summary), Errors: errors });
  }
  const sorted = [...summary].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (format === 'application/xml' || format === 'text/xml') {
    let out = `<${rootTag}>\n`;
    for (const [key, value] of sorted) {
      const tag = key.replace(/ /g, '_').toLowerCase();
      out += `<${tag}>${xmlEscape(String(value))}</${tag}>\n`;
    }
    out += '<errors>\n';
    for (const [name, status] of errors)
      out += `<object><name>${xmlEscape(name)}</name><status>${xmlEscape(status)}</status></object>\n`;
    return `${out}</errors>\n</${rootTag}>\n`;
  }
  let out = sorted.map(([key, value]) => `${key}: ${value}\n`).join('');
  out += 'Errors:\n';
  out += errors.map(([name, status]) => `${name}, ${status}\n`).join('');
  return out;
}
