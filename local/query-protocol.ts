/**
 * The AWS Query protocol (RDS, SNS): form-encoded requests, XML responses.
 * Lists arrive as `Name.member.1`, `Filters.Filter.1.Values.Value.1`: a numeric segment makes the
 * segment two before it a list and the member name between them is dropped.
 */

type Node = Record<string, unknown> | unknown[];

/** Decodes a form-encoded Query request into `{ Action, Version, ...params }` shaped as the API names them. */
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
