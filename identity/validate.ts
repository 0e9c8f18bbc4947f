/**
 * Request-body checks in the words of Keystone's JSON-schema validation
 * (keystone/common/validation): a missing property is "'name' is a required property", a
 * wrong type is "Invalid input for field 'enabled': 'yes' is not of type 'boolean'", values
 * quoted as Python prints them, since that is what Keystone's messages show.
 */
import { schemaError } from './errors.js';

export type Json = Record<string, unknown>;

export type FieldType =
  'string' | 'nullable-string' | 'boolean' | 'object' | 'array' | { enum: readonly string[] };

export interface FieldSpec {
  type: FieldType;
  minLength?: number;
  maxLength?: number;
}

export const isJsonObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A value as Python's repr() shows it in jsonschema messages. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Json)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : typeof value;
}

function fieldError(field: string, message: string): Error {
  return schemaError(`Invalid input for field '${field}': ${message}`);
}

function checkType(field: string, value: unknown, type: FieldType): void {
  const ok =
    type === 'string'
      ? typeof value === 'string'
      : type === 'nullable-string'
        ? value === null || typeof value === 'string'
        : type === 'boolean'
          ? typeof value === 'boolean'
          : type === 'object'
            ? isJsonObject(value)
            : type === 'array'
              ? Array.isArray(value)
              : typeof value === 'string' && type.enum.includes(value);
  if (ok) return;
  if (typeof type === 'object') {
    throw fieldError(field, `${pyRepr(value)} is not one of [${type.enum.map(pyRepr).join(', ')}]`);
  }
  const names = type === 'nullable-string' ? "['string', 'null']" : `'${type}'`;
  throw fieldError(field, `${pyRepr(value)} is not of type ${names}`);
}

/** Checks an entity against field specs; `required` fields must be present. */
export function validateEntity(
  entity: Json,
  fields: Record<string, FieldSpec>,
  required: readonly string[] = [],
): void {
  for (const name of required) {
    if (!(name in entity)) throw schemaError(`'${name}' is a required property`);
  }
  for (const [name, spec] of Object.entries(fields)) {
    if (!(name in entity)) continue;
    const value = entity[name];
    checkType(name, value, spec.type);
    if (typeof value === 'string') {
      if (spec.minLength !== undefined && value.length < spec.minLength) {
        throw fieldError(name, `${pyRepr(value)} is too short`);
      }
      if (spec.maxLength !== undefined && value.length > spec.maxLength) {
        throw fieldError(name, `${pyRepr(value)} is too long`);
      }
    }
  }
}

/** The member object of a request body (`{"project": {…}}`), `{}` when absent. */
export function bodyMember(body: Json, key: string): Json {
  const value = body[key];
  if (value === undefined) return {};
  if (!isJsonObject(value)) throw schemaError(`${pyRepr(value)} is not of type 'object'`);
  return value;
}

/** Keystone's boolean query filters: false words are false, anything else (even '') true. */
export function queryBool(value: string): boolean {
  return !['0', 'f', 'false', 'n', 'no', 'off'].includes(value.trim().toLowerCase());
}

/** Attributes a client set beyond the known ones, kept and shown back as Keystone does. */
export function extraOf(entity: Json, known: readonly string[]): Json {
  const extra: Json = {};
  for (const [key, value] of Object.entries(entity)) {
    if (!known.includes(key) && key !== 'links') extra[key] = value;
  }
  return extra;
}
