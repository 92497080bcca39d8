import { UsageError } from './command.ts';

/** How a describe output holds the one item a file must give. */
export interface OneItemShape {
  /** What the file is, as messages name it: `snapshot`, `cluster`, `graph`. */
  file: string;
  /** The items, as the count names them: `snapshots`, `clusters`, `graphs`. */
  plural: string;
  /** The describe output's list keys, the first present one read (`DBClusters`, `graphs`). */
  keys: readonly string[];
  /** What the file must be when it is no object (`a DBCluster object`); without it, it is passed on as it is. */
  notAnObject?: string;
}

/**
 * Accepts the item itself or a describe output holding exactly one: the one entry of the output's
 * list, else `json` as it is.
 */
export function unwrapOne(
  json: unknown,
  path: string,
  shape: OneItemShape & { notAnObject: string },
): Record<string, unknown>;
export function unwrapOne(json: unknown, path: string, shape: OneItemShape): unknown;
export function unwrapOne(json: unknown, path: string, shape: OneItemShape): unknown {
  if (json === null || typeof json !== 'object') {
    if (shape.notAnObject === undefined) return json;
    throw new UsageError(`${shape.file} file ${path} is not ${shape.notAnObject}`);
  }
  const record = json as Record<string, unknown>;
  const list = shape.keys.map((key) => record[key]).find((value) => value !== undefined && value !== null);
  if (Array.isArray(list)) {
    if (list.length !== 1)
      throw new UsageError(`${shape.file} file ${path} lists ${list.length} ${shape.plural}; expected one`);
    return list[0];
  }
  return json;
}
