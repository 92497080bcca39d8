/**
 * A property graph as the local Neptune Analytics endpoint holds it: vertices with labels and
 * properties, edges with one label, a source and a target. Every value carries its type, named as
 * the Neptune loader names it (Neptune Analytics user guide, "Using CSV data": Bool, Byte, Short,
 * Int, Long, Float, Double, String, Date, DateTime); a vertex property may hold several values
 * (set cardinality), an edge property one.
 */

export const GRAPH_TYPES = [
  'Bool',
  'Byte',
  'Short',
  'Int',
  'Long',
  'Float',
  'Double',
  'String',
  'Date',
  'DateTime',
] as const;
export type GraphType = (typeof GRAPH_TYPES)[number];

/** A value and its type. Long is a bigint; Date is `YYYY-MM-DD`, DateTime an ISO time in UTC. */
export interface TypedValue {
  type: GraphType;
  value: boolean | number | bigint | string;
}

/** One value, or the values of a multi-valued (set cardinality) vertex property. */
export type PropertyValue = TypedValue | TypedValue[];

export interface Vertex {
  id: string;
  labels: string[];
  properties: Record<string, PropertyValue>;
}

export interface Edge {
  id: string;
  label: string;
  from: string;
  to: string;
  properties: Record<string, TypedValue>;
}

export interface PropertyGraph {
  vertices: Vertex[];
  edges: Edge[];
}

export const v = {
  bool: (value: boolean): TypedValue => ({ type: 'Bool', value }),
  byte: (value: number): TypedValue => ({ type: 'Byte', value }),
  short: (value: number): TypedValue => ({ type: 'Short', value }),
  int: (value: number): TypedValue => ({ type: 'Int', value }),
  long: (value: bigint): TypedValue => ({ type: 'Long', value }),
  float: (value: number): TypedValue => ({ type: 'Float', value: Math.fround(value) }),
  double: (value: number): TypedValue => ({ type: 'Double', value }),
  string: (value: string): TypedValue => ({ type: 'String', value }),
  date: (value: string): TypedValue => ({ type: 'Date', value }),
  dateTime: (value: string): TypedValue => ({ type: 'DateTime', value: new Date(value).toISOString() }),
};
