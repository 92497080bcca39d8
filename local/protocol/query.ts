/**
 * The AWS Query protocol (RDS, SNS): form-encoded requests, XML responses.
 * Lists arrive as `Name.member.1`, `Filters.Filter.1.Values.Value.1`: a numeric segment makes the
 * segment two before it a list and the member name between them is dropped. Every value arrives as
 * text; `decodeRequest` then types it by the operation's input schema from the SDK.
 */

import { determineTimestampFormat } from '@smithy/core/protocols';
import { NormalizedSchema } from '@smithy/core/schema';

type Node = Record<string, unknown> | unknown[];

/** Decodes a form-encoded Query request into `{ Action, Version, ...params }` shaped as the API names them, all values text. */
export function decodeQuery(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split('.');
    const path: (string | number)[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string;
      const next = parts[i + 1];
      if (next !== undefined && /^\d+$/.test(next) && !/^\d+$/.test(part) && path.length > 0) {
        // `member` / `Filter` / `Value` / `entry` before an index: the list itself is the previous segment.
        path.push(Number(next) - 1);
        i++;
      } else {
        path.push(part);
      }
    }
    setPath(out, path, value);
  }
  return out;
}

function setPath(root: Node, path: (string | number)[], value: string): void {
  let node: Node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string | number;
    const nextIsIndex = typeof path[i + 1] === 'number';
    const container = node as Record<string | number, unknown>;
    container[key] ??= nextIsIndex ? [] : {};
    node = container[key] as Node;
  }
  (node as Record<string | number, unknown>)[path[path.length - 1] as string | number] = value;
}

/** A parameter whose text does not parse as its modelled type; `parameter` is its name on the wire. */
export class QueryParameterError extends Error {
  override readonly name = 'QueryParameterError';

  constructor(
    readonly parameter: string,
    raw: unknown,
    expected: string,
  ) {
    const shown = typeof raw === 'string' ? `"${raw}"` : raw === undefined ? 'missing' : 'nested';
    super(`Invalid value ${shown} for parameter ${parameter}: expected ${expected}.`);
  }
}

export interface QueryRequest {
  action: string;
  version: unknown;
  /** Typed by the input schema; left as sent (text) for an action the SDK does not know, or when `invalid`. */
  params: Record<string, unknown>;
  /** The first parameter that does not parse, for the endpoint to answer with its own fault code. */
  invalid?: QueryParameterError;
}

/**
 * Decodes a Query request and types its parameters by the input schema that `sdk` (an
 * `@aws-sdk/client-*` module) ships for the action. Parameters the model does not name are kept as
 * text: AWS ignores unknown Query parameters, and the request log should still show them.
 */
export function decodeRequest(body: string, sdk: Record<string, unknown>): QueryRequest {
  const { Action, Version, ...params } = decodeQuery(body);
  const action = String(Action);
  const operation = sdk[`${action}$`];
  if (!Array.isArray(operation)) return { action, version: Version, params };
  const input = NormalizedSchema.of((operation[4] as () => never)());
  try {
    return { action, version: Version, params: typed(input, params, '') as Record<string, unknown> };
  } catch (error) {
    if (!(error instanceof QueryParameterError)) throw error;
    return { action, version: Version, params, invalid: error };
  }
}

// The settings the SDK's AwsQueryProtocol serializes with: date-time unless a member's trait says otherwise.
const TIMESTAMPS = { timestampFormat: { useTrait: true, default: 5 }, httpBindings: false } as const;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function typed(schema: NormalizedSchema, raw: unknown, name: string): unknown {
  const prefix = name === '' ? '' : `${name}.`;
  if (schema.isListSchema()) {
    // The SDK sends an empty list as `Name=` (serializeEmptyLists).
    if (raw === '') return [];
    if (!Array.isArray(raw)) throw new QueryParameterError(name, raw, 'a list');
    const member = schema.getValueSchema();
    const item = member.getMergedTraits().xmlName ?? 'member';
    const out: unknown[] = [];
    // forEach skips the holes a sparse `member.N` numbering leaves; names keep the index as sent.
    raw.forEach((v, i) => {
      out.push(typed(member, v, `${prefix}${item}.${i + 1}`));
    });
    return out;
  }
  if (schema.isMapSchema()) {
    // Maps arrive as `Name.entry.N.key` / `Name.entry.N.value`, which decodeQuery makes a list of entries.
    if (!Array.isArray(raw)) throw new QueryParameterError(name, raw, 'a map');
    const [keySchema, valueSchema] = [schema.getKeySchema(), schema.getValueSchema()];
    const keyName = keySchema.getMergedTraits().xmlName ?? 'key';
    const valueName = valueSchema.getMergedTraits().xmlName ?? 'value';
    const out: Record<string, unknown> = {};
    raw.forEach((entry, i) => {
      const at = `${prefix}entry.${i + 1}`;
      if (!isRecord(entry)) throw new QueryParameterError(at, entry, 'a map entry');
      const key = typed(keySchema, entry[keyName], `${at}.${keyName}`) as string;
      out[key] = typed(valueSchema, entry[valueName], `${at}.${valueName}`);
    });
    return out;
  }
  if (schema.isStructSchema()) {
    if (!isRecord(raw)) throw new QueryParameterError(name, raw, 'a structure');
    // The wire key is the member's xmlName where it has one, as QueryShapeSerializer writes it.
    const members = new Map<string, [string, NormalizedSchema]>();
    for (const [member, memberSchema] of schema.structIterator())
      members.set(memberSchema.getMergedTraits().xmlName ?? member, [member, memberSchema]);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
      const known = members.get(key);
      if (known) out[known[0]] = typed(known[1], value, `${prefix}${key}`);
      else out[key] = value;
    }
    return out;
  }
  if (schema.isNumericSchema()) {
    // The shipped schemas mark integers and doubles alike, so integer-ness is left to each handler.
    const value = typeof raw === 'string' && DECIMAL.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isFinite(value)) throw new QueryParameterError(name, raw, 'a number');
    return value;
  }
  if (schema.isBooleanSchema()) {
    if (raw === 'true' || raw === 'false') return raw === 'true';
    throw new QueryParameterError(name, raw, 'true or false');
  }
  if (schema.isTimestampSchema()) return timestamp(schema, raw, name);
  if (schema.isBlobSchema()) {
    // Kept as its base64 text: no handler reads blobs, and the request log stays readable.
    if (typeof raw === 'string' && BASE64.test(raw)) return raw;
    throw new QueryParameterError(name, raw, 'base64 text');
  }
  if (schema.isStringSchema() && typeof raw !== 'string')
    throw new QueryParameterError(name, raw, 'a string');
  return raw;
}

/** A timestamp as a Date, like the dates the local handlers keep and toXml writes. */
function timestamp(schema: NormalizedSchema, raw: unknown, name: string): Date {
  const format = determineTimestampFormat(schema, TIMESTAMPS);
  const [pattern, expected] =
    format === 7
      ? [DECIMAL, 'epoch seconds']
      : format === 6
        ? [HTTP_DATE, 'an HTTP date']
        : [DATE_TIME, 'an ISO 8601 date-time'];
  const date =
    typeof raw === 'string' && pattern.test(raw)
      ? new Date(format === 7 ? Number(raw) * 1000 : raw)
      : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new QueryParameterError(name, raw, expected);
  return date;
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`,
  );
}

/** A value for `toXml`: arrays are written as `<member>` elements unless wrapped with `list(name, items)`. */
export interface XmlList {
  readonly xmlList: string;
  readonly items: readonly unknown[];
}

export function list(memberName: string, items: readonly unknown[]): XmlList {
  return { xmlList: memberName, items };
}

export function toXml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => `<member>${toXml(v)}</member>`).join('');
  if (typeof value === 'object') {
    if ('xmlList' in value) {
      const { xmlList, items } = value as XmlList;
      return items.map((v) => `<${xmlList}>${toXml(v)}</${xmlList}>`).join('');
    }
    return Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${toXml(v)}</${k}>`)
      .join('');
  }
  return escapeXml(String(value));
}

/** `<{Action}Response xmlns=...><{Action}Result>...</{Action}Result><ResponseMetadata>...` */
export function queryResponse(namespace: string, action: string, result: unknown, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}">` +
    `<${action}Result>${toXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function queryError(
  type: 'Sender' | 'Receiver',
  code: string,
  message: string,
  requestId: string,
): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
