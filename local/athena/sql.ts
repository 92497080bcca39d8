/**
 * Athena (Trino) SQL → DuckDB SQL, for the views the pipeline stores in Glue. The view SQL in Glue
 * stays Athena's; the local engine translates it here, and only here. The translation covers the
 * dialect the typed views use: identifiers, literals, `CASE`, `||`, `CAST`, `ARRAY[...]`,
 * lambdas, and the functions in FUNCTIONS. Anything else is passed through unchanged, so a view
 * using more fails in DuckDB rather than being silently reinterpreted.
 *
 * `try_cast` from varchar is emulated with Trino's own acceptance rules, not DuckDB's, so the local
 * engine yields NULL exactly where Athena does: DuckDB alone would accept `infinity` as a date,
 * ` 12` as an integer or `1 (BC)` forms that Trino's parsers refuse (Trino's DateTimes pattern,
 * VarcharOperators and its BigDecimal-based decimal cast).
 */

type Token = { kind: 'space' | 'ident' | 'string' | 'word' | 'number' | 'punct'; text: string };

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const rest = sql.slice(i);
    const m =
      /^\s+/.exec(rest) ??
      /^"(?:[^"]|"")*"/.exec(rest) ??
      /^'(?:[^']|'')*'/.exec(rest) ??
      /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest) ??
      /^[0-9]+(?:\.[0-9]+)?/.exec(rest) ??
      /^(?:->|\|\||<=|>=|<>|!=|.)/s.exec(rest);
    const text = m?.[0] ?? rest[0] ?? '';
    const c = text[0] ?? '';
    const kind: Token['kind'] = /\s/.test(c)
      ? 'space'
      : c === '"'
        ? 'ident'
        : c === "'"
          ? 'string'
          : /[A-Za-z_]/.test(c)
            ? 'word'
            : /[0-9]/.test(c)
              ? 'number'
              : 'punct';
    tokens.push({ kind, text });
    i += text.length;
  }
  return tokens;
}

/** Trino type → DuckDB type (the ones the views produce; DuckDB has one timestamp, in microseconds). */
export function duckdbTypeOf(trino: string): string {
  const t = trino.trim().toLowerCase().replace(/\s+/g, ' ');
  const array = /^array\((.+)\)$/.exec(t);
  if (array) return `${duckdbTypeOf(array[1] ?? '')}[]`;
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  if (/^timestamp(\(\d+\))? with time zone$/.test(t)) return 'TIMESTAMP WITH TIME ZONE';
  if (/^timestamp(\(\d+\))?$/.test(t)) return 'TIMESTAMP';
  if (/^varchar(\(\d+\))?$/.test(t)) return 'VARCHAR';
  const simple: Record<string, string> = {
    integer: 'INTEGER',
    bigint: 'BIGINT',
    smallint: 'SMALLINT',
    tinyint: 'TINYINT',
    real: 'FLOAT',
    double: 'DOUBLE',
    boolean: 'BOOLEAN',
    date: 'DATE',
    varbinary: 'BLOB',
  };
  const found = simple[t];
  if (found === undefined) throw new Error(`no DuckDB type for the Trino type ${trino}`);
  return found;
}

const NUMBER = String.raw`[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?`;
const DATE = '[+-]?[0-9]{4,}-[0-9]{1,2}-[0-9]{1,2}';
const TIME = String.raw`[0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}(\.[0-9]+)?)?`;
const ZONE = '([+-][0-9]{1,2}(:?[0-9]{2}){0,2}|Z|UTC)';

const gated = (value: string, pattern: string, then: string) =>
  `(CASE WHEN regexp_full_match(${value}, '${pattern}') THEN ${then} END)`;

/** Trino's `try_cast(<varchar> AS <type>)`, in DuckDB. */
function tryCastFromVarchar(value: string, trinoType: string): string {
  const type = trinoType.trim().toLowerCase().replace(/\s+/g, ' ');
  const duck = duckdbTypeOf(type);
  // Trino: new BigDecimal(text).setScale(scale, HALF_UP); no NaN, no spaces.
  if (type.startsWith('decimal')) return gated(value, NUMBER, `TRY_CAST(${value} AS ${duck})`);
  if (type === 'date') return gated(value, DATE, `TRY_CAST(${value} AS DATE)`);
  const ts = /^timestamp\((\d+)\)$/.exec(type);
  if (ts) {
    const cast = `TRY_CAST(${value} AS TIMESTAMP)`;
    const precision = Number(ts[1]);
    // Trino rounds the fraction to the type's precision; DuckDB keeps microseconds.
    const rounded =
      precision >= 6
        ? cast
        : `make_timestamp(CAST(round(epoch_us(${cast}) / ${10 ** (6 - precision)}) AS BIGINT) * ${10 ** (6 - precision)})`;
    return gated(value, `${DATE}( ${TIME})?`, rounded);
  }
  if (/^timestamp\(\d+\) with time zone$/.test(type)) {
    return gated(value, `${DATE} ${TIME} ?${ZONE}`, `TRY_CAST(${value} AS TIMESTAMPTZ)`);
  }
  if (['tinyint', 'smallint', 'integer', 'bigint'].includes(type)) {
    return gated(value, '[+-]?[0-9]+', `TRY_CAST(${value} AS ${duck})`);
  }
  if (type === 'real' || type === 'double') {
    // Java's Double.parseDouble: NaN and Infinity, surrounding whitespace.
    return gated(
      value,
      String.raw`\s*[+-]?(NaN|Infinity|${NUMBER})\s*`,
      `TRY_CAST(trim(${value}) AS ${duck})`,
    );
  }
  if (type === 'boolean') {
    return `(CASE WHEN lower(${value}) IN ('t', 'true', '1') THEN true WHEN lower(${value}) IN ('f', 'false', '0') THEN false END)`;
  }
  if (type.startsWith('varchar')) return `CAST(${value} AS VARCHAR)`;
  throw new Error(`try_cast to ${trinoType} is not translated`);
}

const FUNCTIONS: Readonly<Record<string, (args: string[], raw: Token[][]) => string>> = {
  try_cast: (_args, raw) => {
    const [value, type] = splitAs(raw[0] ?? []);
    return tryCastFromVarchar(value, type);
  },
  with_timezone: ([value, zone]) => `timezone(${zone}, ${value})`,
  transform: ([array, lambda]) => `list_transform(${array}, ${lambda})`,
  split: ([text, delimiter]) => `string_split(${text}, ${delimiter})`,
  regexp_like: ([text, pattern]) => `regexp_matches(${text}, ${pattern})`,
};

/** `<expr> AS <type>` → [translated expr, type text]. */
function splitAs(tokens: Token[]): [string, string] {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0 && t.kind === 'word' && t.text.toUpperCase() === 'AS') {
      return [
        render(tokens.slice(0, i)).trim(),
        tokens
          .slice(i + 1)
          .map((x) => x.text)
          .join('')
          .trim(),
      ];
    }
  }
  throw new Error(`expected "<expression> AS <type>" in ${tokens.map((t) => t.text).join('')}`);
}

/** Index of the token closing the bracket opened at `open`. */
function closing(tokens: Token[], open: number): number {
  const pair: Record<string, string> = { '(': ')', '[': ']' };
  const opener = tokens[open]?.text ?? '';
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const text = tokens[i]?.text;
    if (text === opener) depth++;
    else if (text === pair[opener] && --depth === 0) return i;
  }
  throw new Error(`unbalanced ${opener} in view SQL`);
}

/** Top-level comma-separated pieces of a token list. */
function splitArgs(tokens: Token[]): Token[][] {
  const out: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.text === '(' || t.text === '[') depth++;
    if (t.text === ')' || t.text === ']') depth--;
    if (depth === 0 && t.text === ',') out.push([]);
    else out[out.length - 1]?.push(t);
  }
  return out;
}

const nextSignificant = (tokens: Token[], i: number) => {
  let j = i + 1;
  while (tokens[j]?.kind === 'space') j++;
  return j;
};

function render(tokens: Token[]): string {
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const j = nextSignificant(tokens, i);
    const word = t.kind === 'word' ? t.text.toLowerCase() : '';
    const fn = FUNCTIONS[word];
    if (fn && tokens[j]?.text === '(') {
      const end = closing(tokens, j);
      const raw = splitArgs(tokens.slice(j + 1, end));
      out += fn(
        raw.map((a) => render(a).trim()),
        raw,
      );
      i = end;
    } else if (word === 'cast' && tokens[j]?.text === '(') {
      const end = closing(tokens, j);
      const [value, type] = splitAs(tokens.slice(j + 1, end));
      out += `CAST(${value.trim()} AS ${duckdbTypeOf(type)})`;
      i = end;
    } else if (word === 'array' && tokens[j]?.text === '[') {
      const end = closing(tokens, j);
      out += `[${render(tokens.slice(j + 1, end))}]`;
      i = end;
    } else {
      out += t.text;
    }
  }
  return out;
}

/** The DuckDB form of an Athena view's SQL. */
export function toDuckDbSql(athenaSql: string): string {
  return render(tokenize(athenaSql));
}
