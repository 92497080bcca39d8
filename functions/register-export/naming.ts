import { createHash } from 'node:crypto';
import { accountLabel, type Home, isMember, type Scope } from '#shared/aws/accounts.ts';

/** Glue's limit on database, table and column names. */
export const GLUE_NAME_MAX = 255;
export const HISTORY_SUFFIX = '_history';
/** The typed views of a table pair: `<name>_typed` and `<name>_history_typed`. */
export const TYPED_SUFFIX = '_typed';
const HASH_LENGTH = 8;
// Room for `_<hash>` and `_history` after a base name. Names assigned before the typed views
// existed keep this length; a view name that would then pass 255 characters is shortened (viewName).
const BASE_MAX = GLUE_NAME_MAX - HISTORY_SUFFIX.length - 1 - HASH_LENGTH;

/** Every catalog name a table pair named `name` occupies: its two tables and its two typed views. */
export function pairNames(name: string): string[] {
  return [name, name + HISTORY_SUFFIX, name + TYPED_SUFFIX, name + HISTORY_SUFFIX + TYPED_SUFFIX];
}

/** Lowercase; every character outside [a-z0-9_] becomes `_` (nothing is trimmed, so `_id` stays `_id`). */
export function sanitize(raw: string): string {
  const s = raw.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return s === '' ? '_' : s;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * Which sources share a database: a DB instance's snapshots share one, an Aurora cluster's snapshots
 * and its live-cluster exports another, a Neptune Analytics graph a third. A DB instance and a
 * cluster may have the same identifier, so the kind is part of the name.
 */
const DATABASE_KIND: Readonly<Record<string, string>> = {
  'db-snapshot': 'db',
  'cluster-snapshot': 'cluster',
  cluster: 'cluster',
  graph: 'graph',
};

/**
 * `<prefix><db|cluster|graph>_<source identifier>`, Athena-safe. RDS and Neptune identifiers hold
 * only letters, digits and hyphens, so after `-` becomes `_` the kind token cannot be confused
 * with part of an identifier: every source gets a database of its own.
 */
export function databaseName(prefix: string, sourceKind: string, sourceIdentifier: string): string {
  const kind = DATABASE_KIND[sourceKind] ?? sanitize(sourceKind);
  const name = `${prefix}${kind}_${sanitize(sourceIdentifier)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return name.length <= GLUE_NAME_MAX
    ? name
    : `${name.slice(0, GLUE_NAME_MAX - HASH_LENGTH - 1)}_${shortHash(name)}`;
}

/**
 * The database prefix of a source's account and Region: the deployment's own sources in its own
 * Region keep `<prefix>` (the names their catalogs always had); a member account's take
 * `<prefix><account>_` (its ID, or its name from the policy), and a source in another Region than
 * the deployment's adds the Region, `<prefix>[<account>_]<region>_` (`us_west_2`). An identifier is
 * unique per account and Region only (the DB instance identifier "must be unique for that customer
 * in an AWS Region", Amazon RDS user guide, "Amazon RDS DB instances"), so two sources of one name
 * in two accounts or two Regions never share a database, and one Athena workgroup reads them all.
 */
export function accountDatabasePrefix(
  prefix: string,
  memberAccount: string | undefined,
  otherRegion?: string,
): string {
  const parts = [memberAccount, otherRegion === undefined ? undefined : sanitize(otherRegion)];
  return prefix + parts.map((part) => (part === undefined ? '' : `${part}_`)).join('');
}

/**
 * The database prefix of a source in `scope` (its ARN's account and Region), against the
 * deployment's `home`: a member's account by its policy name (`accounts:`) when the job carries one,
 * else its ID; another Region than the deployment's by its name (accountDatabasePrefix). A source
 * whose ARN names no account keeps the deployment's names.
 */
export function scopeDatabasePrefix(
  prefix: string,
  scope: Scope | undefined,
  home: Home,
  accountName?: string,
): string {
  if (scope === undefined) return prefix;
  const account = !isMember(scope, home)
    ? undefined
    : accountName === undefined
      ? scope.account
      : accountLabel(accountName);
  const region = home.region !== undefined && scope.region !== home.region ? scope.region : undefined;
  return accountDatabasePrefix(prefix, account, region);
}

function baseTableName(target: string): { base: string; lossy: boolean } {
  const base = sanitize(target);
  if (base.length > BASE_MAX) return { base: base.slice(0, BASE_MAX), lossy: true };
  return { base, lossy: false };
}

/**
 * Assigns each export target (`db.schema.table` / `db.table`) its Glue table name.
 *
 * Stability comes first: a target already registered keeps the name recorded in the catalog. A new
 * target gets its sanitized name unless that name (or a name of its pair: pairNames) is taken, shared with another
 * new target, or truncated; then it gets `_<hash of the target>`, a function of the target alone.
 */
export function assignTableNames(
  targets: readonly string[],
  registered: ReadonlyMap<string, string>,
  takenNames: ReadonlySet<string>,
): Map<string, string> {
  const result = new Map<string, string>();
  const taken = new Set(takenNames);
  const fresh: string[] = [];
  for (const target of [...new Set(targets)].sort()) {
    const known = registered.get(target);
    if (known !== undefined) {
      result.set(target, known);
      // Its typed views may not exist yet (registered before them): their names are still its own.
      for (const x of pairNames(known)) taken.add(x);
    } else fresh.push(target);
  }
  const bases = new Map<string, number>();
  for (const target of fresh) {
    const { base } = baseTableName(target);
    bases.set(base, (bases.get(base) ?? 0) + 1);
  }
  const free = (n: string) => pairNames(n).every((x) => !taken.has(x));
  for (const target of fresh) {
    const { base, lossy } = baseTableName(target);
    // The plain name goes only to a target that shares its base with no other target of this export,
    // so which target wins never depends on which others happen to be present.
    let name = !lossy && bases.get(base) === 1 && free(base) ? base : `${base}_${shortHash(target)}`;
    for (let i = 2; !free(name); i++) name = `${base}_${shortHash(`${target}#${i}`)}`;
    for (const x of pairNames(name)) taken.add(x);
    result.set(target, name);
  }
  return result;
}

/**
 * The name of a typed view over the table `table` (`table` + `_typed`), at most 255 characters:
 * a longer one keeps the start and gets `_<hash of the table name>`, a function of the table alone.
 * `attempt` > 1 picks another hash when the name is taken by a table that is not this view.
 */
export function viewName(table: string, attempt = 1): string {
  const plain = table + TYPED_SUFFIX;
  if (attempt === 1 && plain.length <= GLUE_NAME_MAX) return plain;
  const hash = shortHash(attempt === 1 ? table : `${table}#${attempt}`);
  const room = GLUE_NAME_MAX - TYPED_SUFFIX.length - 1 - HASH_LENGTH;
  return `${table.slice(0, room)}_${hash}${TYPED_SUFFIX}`;
}

/** Athena-safe column names in file order; collisions get `_2`, `_3`… in order of appearance. */
export function columnNames(raw: readonly string[]): string[] {
  const used = new Set<string>();
  return raw.map((r) => {
    const base = sanitize(r).slice(0, GLUE_NAME_MAX - 4);
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  });
}
