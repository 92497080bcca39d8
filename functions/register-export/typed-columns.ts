import type { Column } from '@aws-sdk/client-glue';
import { truncateText } from '#shared/contract/payload.ts';
import type { OriginalColumn } from './metadata.ts';

/**
 * What each column of a typed view is: an Athena (Trino) expression over the table's column, the
 * Trino type it yields (the view definition's `columns`), the Hive type Glue shows, and a comment.
 *
 * Every cast is `try_cast`, which Athena's engine (Trino) documents as "like cast(), but returns
 * null if the cast fails": a value that does not parse is NULL, never a failed query. A column with
 * no faithful Athena type stays as the table has it, and its comment says why.
 */
export type TypedColumn = { name: string; sql: string; trinoType: string; hiveType: string; comment: string };

export type EngineFamily = 'postgres' | 'mysql';

const COMMENT_MAX = 255;
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

const HIVE_TO_TRINO: Readonly<Record<string, string>> = {
  string: 'varchar',
  int: 'integer',
  tinyint: 'tinyint',
  smallint: 'smallint',
  bigint: 'bigint',
  float: 'real',
  double: 'double',
  boolean: 'boolean',
  binary: 'varbinary',
  date: 'date',
  // Athena reads a Hive timestamp column at millisecond precision (engine v3 reference, "Timestamp
  // changes": the column precision "is always 3", and finer values are rounded).
  timestamp: 'timestamp(3)',
};

/** The Trino type Athena reads a table column of this Hive type as. */
export function trinoTypeOf(hive: string): string {
  const t = hive.trim().toLowerCase();
  if (/^decimal\(\d+,\d+\)$/.test(t)) return t;
  return HIVE_TO_TRINO[t] ?? t;
}

/** The Hive spelling Glue shows for a Trino type the views produce. */
export function hiveTypeOf(trino: string): string {
  const array = /^array\((.+)\)$/.exec(trino);
  if (array) return `array<${hiveTypeOf(array[1] ?? '')}>`;
  if (trino.startsWith('timestamp')) return 'timestamp';
  const reverse: Record<string, string> = {
    varchar: 'string',
    integer: 'int',
    real: 'float',
    varbinary: 'binary',
  };
  return reverse[trino] ?? trino;
}

type ParsedType = { base: string; args: number[]; array: boolean };

/** `timestamp(3) with time zone` → base `timestamp with time zone`, args [3]; `integer[]` → array of integer. */
export function parseOriginalType(raw: string): ParsedType {
  let t = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  let array = false;
  if (t.endsWith('[]')) {
    array = true;
    t = t.replace(/(\[\])+$/, '');
  }
  // information_schema names every array type `ARRAY`, without its element type.
  if (t === 'array') return { base: 'array', args: [], array: true };
  const m = /^([^(]*)\(([^)]*)\)(.*)$/.exec(t);
  if (!m) return { base: t, args: [], array };
  const args = (m[2] ?? '').split(',').map((a) => Number(a.trim()));
  return { base: `${m[1] ?? ''}${m[3] ?? ''}`.trim(), args, array };
}

type Target = { type: string } | { reason: string };

const INTEGERS: Readonly<Record<string, string>> = {
  smallint: 'smallint',
  int2: 'smallint',
  integer: 'integer',
  int: 'integer',
  int4: 'integer',
  bigint: 'bigint',
  int8: 'bigint',
  real: 'real',
  float4: 'real',
  'double precision': 'double',
  float8: 'double',
  boolean: 'boolean',
  bool: 'boolean',
};

/** The PostgreSQL datetime precision: the type name's, else the metadata's, else PostgreSQL's default 6. */
function dateTimePrecision(parsed: ParsedType, original: OriginalColumn | undefined): number {
  const p = parsed.args[0] ?? original?.dateTimePrecision ?? 6;
  return Number.isInteger(p) && p >= 0 && p <= 6 ? p : 6;
}

/** The Athena type a PostgreSQL value printed as text is cast to, or why there is none. */
function scalarTarget(parsed: ParsedType, original: OriginalColumn | undefined, inArray: boolean): Target {
  const base = parsed.base;
  if (base === 'numeric' || base === 'decimal') {
    const fromName = parsed.args.length > 0;
    const precision = fromName ? parsed.args[0] : inArray ? undefined : original?.numPrecision || undefined;
    // `numeric(12)` is numeric(12,0) in PostgreSQL; otherwise the scale must be stated, never guessed.
    const scale = fromName ? (parsed.args[1] ?? 0) : inArray ? undefined : original?.numScale;
    if (precision === undefined || !Number.isInteger(precision)) {
      return { reason: 'numeric without a declared precision: values may exceed DECIMAL(38) or be NaN' };
    }
    if (scale === undefined || !Number.isInteger(scale)) {
      return {
        reason: 'the export metadata gives this numeric no scale, and a guessed scale would change values',
      };
    }
    if (precision > 38)
      return { reason: `numeric(${precision},${scale}) exceeds Athena's DECIMAL precision of 38` };
    return { type: `decimal(${precision},${scale})` };
  }
  if (base === 'date') return { type: 'date' };
  if (base === 'timestamp' || base === 'timestamp without time zone') {
    return { type: `timestamp(${dateTimePrecision(parsed, inArray ? undefined : original)})` };
  }
  if (base === 'timestamp with time zone' || base === 'timestamptz') {
    return { type: `timestamp(${dateTimePrecision(parsed, inArray ? undefined : original)}) with time zone` };
  }
  const simple = INTEGERS[base];
  if (simple !== undefined) return { type: simple };
  if (base === 'json' || base === 'jsonb') {
    return { reason: 'JSON text: read it with json_extract or json_parse' };
  }
  return { reason: REASONS[base] ?? `Athena has no type that holds ${base} values faithfully` };
}

const REASONS: Readonly<Record<string, string>> = {
  interval: 'an interval holds months, days and microseconds together; no Athena type does',
  money: "money is printed with the server's currency symbol and separators",
  time: 'time of day (up to 24:00:00) has no Athena column type',
  'time without time zone': 'time of day (up to 24:00:00) has no Athena column type',
  'time with time zone': 'time of day with an offset has no Athena column type',
  timetz: 'time of day with an offset has no Athena column type',
  uuid: 'Athena cannot keep UUID in tables; the text is already canonical',
};

/** Text types: already strings, nothing to cast. */
const TEXT_TYPES = new Set([
  'text',
  'character varying',
  'varchar',
  'character',
  'char',
  'bpchar',
  'name',
  'citext',
]);

/** Element types whose PostgreSQL array text never quotes an element (`{1,2,NULL}`), so it splits safely. */
const ARRAY_ELEMENTS = new Set(['smallint', 'integer', 'bigint', 'real', 'double', 'boolean', 'date']);

function arraySql(column: string, element: string): string {
  const c = quoteIdent(column);
  // Anything but one flat brace list (nested dimensions, quoted elements, explicit bounds) is NULL.
  return (
    `CASE WHEN NOT regexp_like(${c}, '^\\{[^{}"]*\\}$') THEN NULL ` +
    `WHEN ${c} = '{}' THEN CAST(ARRAY[] AS array(${element})) ` +
    `ELSE transform(split(substr(${c}, 2, length(${c}) - 2), ','), x -> try_cast(x AS ${element})) END`
  );
}

const bounded = (text: string) => truncateText(text, COMMENT_MAX);

function cast(column: Column, original: string, target: string): TypedColumn {
  const name = column.Name ?? '';
  const array = /^array\((.+)\)$/.exec(target);
  return {
    name,
    sql: array ? arraySql(name, array[1] ?? '') : `try_cast(${quoteIdent(name)} AS ${target})`,
    trinoType: target,
    hiveType: hiveTypeOf(target),
    comment: bounded(`${original} → ${target}; a value that does not parse is NULL`),
  };
}

function asIs(column: Column, comment: string): TypedColumn {
  const type = trinoTypeOf(column.Type ?? 'string');
  return {
    name: column.Name ?? '',
    sql: quoteIdent(column.Name ?? ''),
    trinoType: type,
    hiveType: column.Type ?? 'string',
    comment: bounded(comment),
  };
}

/** A PostgreSQL column the export wrote as text: cast when it has a faithful Athena type. */
function postgresColumn(
  column: Column,
  original: OriginalColumn | undefined,
  described: string,
): TypedColumn {
  if (original === undefined)
    return asIs(column, 'stays a string: the export metadata names no original type');
  const parsed = parseOriginalType(original.type);
  if (parsed.array) {
    if (parsed.base === 'array') {
      return asIs(column, `${described}: stays a string: the export metadata names no element type`);
    }
    const element = scalarTarget(parsed, undefined, true);
    if ('type' in element && (ARRAY_ELEMENTS.has(element.type) || element.type.startsWith('decimal('))) {
      return cast(column, described, `array(${element.type})`);
    }
    return asIs(column, `${described}: stays a string: arrays of ${parsed.base} quote their elements`);
  }
  if (TEXT_TYPES.has(parsed.base)) return asIs(column, described);
  const target = scalarTarget(parsed, original, false);
  if ('reason' in target) return asIs(column, `${described}: stays a string: ${target.reason}`);
  return cast(column, described, target.type);
}

/** A MySQL column: DATE is text in the export; TIMESTAMP (UTC) and DATETIME are Parquet timestamps. */
function mysqlColumn(column: Column, original: OriginalColumn | undefined, described: string): TypedColumn {
  const base = parseOriginalType(original?.type ?? '').base;
  const glueType = (column.Type ?? '').toLowerCase();
  if (glueType === 'timestamp') {
    if (base === 'timestamp') {
      // MySQL TIMESTAMP is an instant (stored in UTC, and exported in UTC): a zone makes that explicit.
      return {
        name: column.Name ?? '',
        sql: `with_timezone(${quoteIdent(column.Name ?? '')}, 'UTC')`,
        trinoType: 'timestamp(3) with time zone',
        hiveType: 'timestamp',
        comment: bounded(
          `${described} → timestamp(3) with time zone (UTC); Athena reads it to the millisecond`,
        ),
      };
    }
    return asIs(column, `${described}: Athena reads this Parquet timestamp to the millisecond`);
  }
  if (glueType !== 'string') return asIs(column, described);
  if (original === undefined)
    return asIs(column, 'stays a string: the export metadata names no original type');
  if (base === 'date') return cast(column, described, 'date');
  if (base === 'json')
    return asIs(column, `${described}: JSON text: read it with json_extract or json_parse`);
  if (base === 'time') return asIs(column, `${described}: stays a string: MySQL TIME spans ±838 hours`);
  if (base === 'decimal' || base === 'numeric') {
    return asIs(column, `${described}: stays a string: it exceeds Athena's DECIMAL precision of 38`);
  }
  return asIs(column, described);
}

/**
 * The typed view's column for one table column. `original` is the export metadata's mapping for it
 * (absent for a column only earlier exports had); `described` its original type as the table's
 * comment spells it.
 */
export function typedColumn(
  column: Column,
  original: OriginalColumn | undefined,
  engine: EngineFamily,
): TypedColumn {
  const described = column.Comment ?? original?.type ?? 'unknown type';
  if (engine === 'mysql') return mysqlColumn(column, original, described);
  if ((column.Type ?? '').toLowerCase() !== 'string') return asIs(column, described);
  return postgresColumn(column, original, described);
}

/**
 * Rebuilds a column of an earlier view from its stored Trino type alone (for a column the current
 * export no longer has, so no metadata describes it): every expression is a function of the table
 * column's type and the target type.
 */
export function typedColumnFromView(column: Column, trinoType: string, comment: string): TypedColumn {
  const glueType = (column.Type ?? 'string').toLowerCase();
  if (trinoType === trinoTypeOf(glueType)) return asIs(column, comment);
  if (glueType === 'timestamp' && trinoType === 'timestamp(3) with time zone') {
    return {
      name: column.Name ?? '',
      sql: `with_timezone(${quoteIdent(column.Name ?? '')}, 'UTC')`,
      trinoType,
      hiveType: 'timestamp',
      comment,
    };
  }
  if (glueType === 'string') return { ...cast(column, '', trinoType), comment };
  return asIs(column, comment);
}
