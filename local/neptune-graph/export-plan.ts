import type { ExportFilter } from '#shared/sources/graph/request.ts';
import { GRAPH_TYPES, type GraphType, type PropertyGraph, type TypedValue } from './property-graph.ts';

/**
 * What a Neptune Analytics export writes, label by label ("Structure of exported files": separate
 * file sets for vertices and edges, split by label, each label's files sharing one schema). The
 * export filter picks labels and properties, renames (`sourcePropertyName`), converts
 * (`outputType`) and keeps every value of a multi-valued property (`TO_LIST`) or its first
 * (`PICK_FIRST`, the default). A property whose values have several types is written as Any
 * (StartExportTask API reference, outputType), in the loader's Any form: `{"value": …, "type": …}`
 * per value ("Supported Parquet column types").
 */

export type ColumnType = GraphType | 'Any';

export interface PlannedColumn {
  name: string;
  type: ColumnType;
  /** Several values per element (TO_LIST). */
  list: boolean;
}

/** A cell: null (missing), one value, the values of a list column, or an Any column's text. */
export type PlannedCell = TypedValue | TypedValue[] | string | null;

export interface LabelTable {
  kind: 'vertex' | 'edge';
  /** The label (a vertex's labels joined with `;`, as the loader writes them). */
  label: string;
  columns: PlannedColumn[];
  /** Per element: `~id` (and for edges `~from`, `~to`), then one cell per column. */
  rows: { id: string; from?: string; to?: string; cells: PlannedCell[] }[];
}

interface Element {
  id: string;
  label: string;
  from?: string;
  to?: string;
  properties: Record<string, TypedValue | TypedValue[]>;
}

/** A value converted to the filter's outputType (the loader's type names, any case). */
export function convert(value: TypedValue, outputType: string): TypedValue {
  const type = GRAPH_TYPES.find((t) => t.toLowerCase() === outputType.toLowerCase());
  if (type === undefined) throw new Error(`outputType ${outputType} is not one of ${GRAPH_TYPES.join(', ')}`);
  if (type === value.type) return value;
  const text = String(value.value);
  switch (type) {
    case 'String':
      return { type, value: text };
    case 'Bool':
      return { type, value: text.toLowerCase() === 'true' };
    case 'Long':
      return { type, value: BigInt(Math.trunc(Number(text))) };
    case 'Float':
      return { type, value: Math.fround(Number(text)) };
    case 'Date':
    case 'DateTime':
      return { type, value: text };
    default:
      return { type, value: type === 'Double' ? Number(text) : Math.trunc(Number(text)) };
  }
}

function anyText(values: readonly TypedValue[]): string {
  return values.map((x) => JSON.stringify({ value: String(x.value), type: x.type })).join(';');
}

type FilterMap = NonNullable<ExportFilter['vertexFilter']>;

function tableOf(
  kind: LabelTable['kind'],
  label: string,
  elements: Element[],
  filter?: FilterMap,
): LabelTable {
  const chosen = filter?.[label]?.properties;
  const names = chosen
    ? Object.keys(chosen)
    : [...new Set(elements.flatMap((e) => Object.keys(e.properties)))];
  const cellsByColumn = names.map((name) => {
    const attributes = chosen?.[name];
    const source = attributes?.sourcePropertyName ?? name;
    const toList = attributes?.multiValueHandling === 'TO_LIST';
    const values = elements.map((e) => {
      const raw = e.properties[source];
      const all = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).map((x) =>
        attributes?.outputType ? convert(x, attributes.outputType) : x,
      );
      if (all.length === 0) return null;
      return toList ? all : (all[0] as TypedValue);
    });
    const types = new Set(
      values.flatMap((c) => (c === null ? [] : Array.isArray(c) ? c : [c])).map((x) => x.type),
    );
    const type: ColumnType =
      types.size === 1 ? ([...types][0] as GraphType) : types.size === 0 ? 'String' : 'Any';
    const cells: PlannedCell[] =
      type === 'Any' ? values.map((c) => (c === null ? null : anyText(Array.isArray(c) ? c : [c]))) : values;
    return { column: { name, type, list: toList && type !== 'Any' }, cells };
  });
  return {
    kind,
    label,
    columns: cellsByColumn.map((c) => c.column),
    rows: elements.map((e, i) => ({
      id: e.id,
      ...(e.from === undefined ? {} : { from: e.from, to: e.to }),
      cells: cellsByColumn.map((c) => c.cells[i] ?? null),
    })),
  };
}

function byLabel(elements: Element[], filter: FilterMap | undefined): Map<string, Element[]> {
  const groups = new Map<string, Element[]>();
  for (const e of elements) {
    if (filter !== undefined && filter[e.label] === undefined) continue;
    groups.set(e.label, [...(groups.get(e.label) ?? []), e]);
  }
  return groups;
}

/** The tables an export of `graph` writes with `filter`: one per vertex label and one per edge label. */
export function planExport(graph: PropertyGraph, filter: ExportFilter | undefined): LabelTable[] {
  const vertices = graph.vertices.map((x) => ({
    id: x.id,
    label: x.labels.join(';'),
    properties: x.properties,
  }));
  const edges = graph.edges.map((e) => ({
    id: e.id,
    label: e.label,
    from: e.from,
    to: e.to,
    properties: e.properties,
  }));
  return [
    ...[...byLabel(vertices, filter?.vertexFilter)].map(([label, els]) =>
      tableOf('vertex', label, els, filter?.vertexFilter),
    ),
    ...[...byLabel(edges, filter?.edgeFilter)].map(([label, els]) =>
      tableOf('edge', label, els, filter?.edgeFilter),
    ),
  ];
}
