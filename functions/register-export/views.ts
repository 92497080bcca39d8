import type { Column, Table, TableInput } from '@aws-sdk/client-glue';
import { P, PARTITION_KEYS } from './glue-tables.ts';
import { quoteIdent, type TypedColumn, trinoTypeOf, typedColumnFromView } from './typed-columns.ts';

/**
 * Typed views in the form Athena itself stores a view in Glue (Trino's Hive metastore view format,
 * which Athena reads): `TableType: VIRTUAL_VIEW`, the `presto_view` parameter, `ViewExpandedText`
 * `/* Presto View *\/`, and `ViewOriginalText` `/* Presto View: <base64 of the JSON definition> *\/`,
 * the JSON holding `originalSql`, `catalog`, `schema` and `columns` (name and Trino type). Athena
 * reads the columns from that JSON; the Glue columns (Hive types, with comments) are for people and
 * tools browsing the catalog.
 */

export const VIEW_ROLES = { latest: 'latest_typed', history: 'history_typed' } as const;
export type ViewRole = (typeof VIEW_ROLES)[keyof typeof VIEW_ROLES];

/** Athena's name for the Glue Data Catalog (the `catalog` of every view Athena writes there). */
export const ATHENA_CATALOG = 'awsdatacatalog';
const PREFIX = '/* Presto View: ';
const SUFFIX = ' */';
export const EXPANDED_TEXT = '/* Presto View */';

export type ViewDefinition = {
  originalSql: string;
  catalog: string;
  schema: string;
  columns: { name: string; type: string }[];
};

/** The view's SELECT: one expression per column, named as the column, over `database.table`. */
export function viewSql(database: string, table: string, columns: readonly TypedColumn[]): string {
  const select = columns.map((c) => {
    const ident = quoteIdent(c.name);
    return c.sql === ident ? ident : `${c.sql} AS ${ident}`;
  });
  return `SELECT\n  ${select.join(',\n  ')}\nFROM ${quoteIdent(database)}.${quoteIdent(table)}`;
}

export function encodeView(definition: ViewDefinition): string {
  return `${PREFIX}${Buffer.from(JSON.stringify(definition), 'utf8').toString('base64')}${SUFFIX}`;
}

/** The JSON definition of a view Athena stored (or this function wrote), if the text is one. */
export function decodeView(text: string | undefined): ViewDefinition | undefined {
  if (text === undefined || !text.startsWith(PREFIX) || !text.endsWith(SUFFIX)) return undefined;
  try {
    const json = JSON.parse(
      Buffer.from(text.slice(PREFIX.length, -SUFFIX.length), 'base64').toString('utf8'),
    );
    if (typeof json?.originalSql !== 'string' || !Array.isArray(json.columns)) return undefined;
    return json as ViewDefinition;
  } catch {
    return undefined;
  }
}

export type ViewSpec = {
  database: string;
  name: string;
  target: string;
  role: ViewRole;
  /** The table the view reads. */
  table: string;
  columns: TypedColumn[];
};

export function viewTableInput(spec: ViewSpec): TableInput {
  const definition: ViewDefinition = {
    originalSql: viewSql(spec.database, spec.table, spec.columns),
    catalog: ATHENA_CATALOG,
    schema: spec.database,
    columns: spec.columns.map((c) => ({ name: c.name, type: c.trinoType })),
  };
  return {
    Name: spec.name,
    Description: `${spec.target}: ${spec.table} with the source's types restored (typed view)`,
    TableType: 'VIRTUAL_VIEW',
    Parameters: {
      presto_view: 'true',
      comment: 'Presto View',
      [P.target]: spec.target,
      [P.role]: spec.role,
    },
    ViewOriginalText: encodeView(definition),
    ViewExpandedText: EXPANDED_TEXT,
    StorageDescriptor: {
      Columns: spec.columns.map((c) => ({ Name: c.name, Type: c.hiveType, Comment: c.comment })),
      SerdeInfo: {},
    },
    PartitionKeys: [],
  };
}

const colKey = (c: Column[] | undefined) =>
  JSON.stringify((c ?? []).map((x) => [x.Name, x.Type, x.Comment ?? '']));

/** True when the catalog already holds exactly this view (definition, columns, the parameters set here). */
export function sameView(existing: Table, input: TableInput): boolean {
  return (
    existing.TableType === input.TableType &&
    existing.ViewOriginalText === input.ViewOriginalText &&
    existing.ViewExpandedText === input.ViewExpandedText &&
    colKey(existing.StorageDescriptor?.Columns) === colKey(input.StorageDescriptor?.Columns) &&
    Object.entries(input.Parameters ?? {}).every(([k, v]) => existing.Parameters?.[k] === v)
  );
}

/** The partition keys as the history view passes them through (strings: ISO 8601 times, export ids). */
export function partitionColumns(): TypedColumn[] {
  return PARTITION_KEYS.map((k) => ({
    name: k.Name ?? '',
    sql: quoteIdent(k.Name ?? ''),
    trinoType: trinoTypeOf(k.Type ?? 'string'),
    hiveType: k.Type ?? 'string',
    comment: k.Comment ?? '',
  }));
}

/**
 * The history view's columns: this export's decisions for the columns it has; for columns only
 * earlier exports had, the decision the previous history view recorded (the export metadata that
 * described them is gone), else the column as the table has it.
 */
export function historyViewColumns(
  historyColumns: readonly Column[],
  current: ReadonlyMap<string, TypedColumn>,
  previous: Table | undefined,
): TypedColumn[] {
  const old = decodeView(previous?.ViewOriginalText);
  const oldTypes = new Map((old?.columns ?? []).map((c) => [c.name, c.type]));
  const oldComments = new Map(
    (previous?.StorageDescriptor?.Columns ?? []).map((c) => [c.Name ?? '', c.Comment ?? '']),
  );
  const columns = historyColumns.map((column) => {
    const name = column.Name ?? '';
    const decided = current.get(name);
    if (decided) return decided;
    const type = oldTypes.get(name);
    const comment = oldComments.get(name) ?? column.Comment ?? '';
    return typedColumnFromView(column, type ?? trinoTypeOf(column.Type ?? 'string'), comment);
  });
  return [...columns, ...partitionColumns()];
}
