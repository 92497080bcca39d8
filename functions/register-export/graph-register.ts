import type { RegistrationResult } from '#shared/contract/execution.ts';
import type { GraphRegistration } from '#shared/sources/kinds/types.ts';
import { cursorAfter, type RegisterCursor, remainingAfter, timeIsUp } from './cursor.ts';
import { applyWrites } from './glue-apply.ts';
import { planTable } from './glue-plan.ts';
import { type DesiredTable, ensureDatabase, folderAbove, readCatalog } from './glue-tables.ts';
import { CSV_STORAGE } from './graph-csv.ts';
import { type GraphFile, type Inspected, inspectFile, listGraphExport } from './graph-files.ts';
import { readProgress, writeProgress } from './graph-progress.ts';
import { assignTableNames, databaseName, HISTORY_SUFFIX } from './naming.ts';
import { type RegisterDeps, registeredTargets } from './register.ts';
import {
  type FullRegistration,
  failIfTransient,
  mergeRegistrations,
  readReport,
  reportRegistration,
} from './report.ts';
import type { ParquetObject } from './s3-export.ts';
import { runScheduled, TRANSIENT_RERUNS } from './schedule.ts';
import { type FileSchema, glueColumns, mergeSchemas } from './schema.ts';

/**
 * Registers a Neptune Analytics export: one latest table and one history table per vertex label and
 * per edge label (`vertex.<label>`, `edge.<label>`), as RDS tables are registered (glue-plan.ts).
 * Everything below the export's destination is read, whatever the files are called; each file is
 * grouped by what it holds (graph-files.ts), and a group's table location is the deepest folder
 * holding all its files. Athena reads every file below a location, so a folder that also holds
 * files of another label (or anything else) cannot be one: that label is reported, not registered.
 */

/** What a graph export's registration reads (the graph kind's `register` names it). */
export type GraphRegisterInput = GraphRegistration;

type Group = { target: string; files: GraphFile[] };

const folderOf = (key: string) => key.slice(0, key.lastIndexOf('/') + 1);

/** The deepest folder every key lies in. */
function commonFolder(keys: readonly string[]): string {
  let common = folderOf(keys[0] ?? '');
  for (const key of keys.slice(1)) while (!key.startsWith(common)) common = folderOf(common.slice(0, -1));
  return common;
}

/** `folder` and the folders above it, the shallowest first: `a/b/` → `''`, `a/`, `a/b/`. */
function* foldersDownTo(folder: string): Generator<string> {
  yield '';
  for (let at = folder.indexOf('/'); at >= 0; at = folder.indexOf('/', at + 1)) yield folder.slice(0, at + 1);
}

/** A file's columns (names and types) as one string, computed once per file: equal strings, same columns. */
const columnKeys = new WeakMap<GraphFile, string>();
function columnsKey(file: GraphFile): string {
  let key = columnKeys.get(file);
  if (key === undefined) {
    key = JSON.stringify(file.columns.map((c) => [c.name, c.type]));
    columnKeys.set(file, key);
  }
  return key;
}

const sameColumns = (a: GraphFile, b: GraphFile) => columnsKey(a) === columnsKey(b);

/** One kind, one schema, one folder: the key of the maps below. */
const shapeIn = (file: GraphFile, folder: string) => `${file.kind}\n${columnsKey(file)}\n${folder}`;

const allLabels = (kind: GraphFile['kind']) => (kind === 'vertex' ? 'vertices' : 'edges');

/**
 * One group per vertex label and per edge label. Files holding several labels (an export filter
 * that exports all labels together: one schema, the label in `~label`) make one group per kind; a
 * file of such a set that happens to hold one label only shares the set's folder and columns, so
 * groups of one kind and one schema (their first files') whose folders nest are that one set.
 *
 * Nesting chains through the shallowest folder (two groups below a third's folder are one set with
 * it, and the set's folder is that third's), so a set is every group of that kind and schema whose
 * folder lies below one topmost folder. Each group looks up the folders above its own in a Map:
 * linear in files and labels, where comparing every pair of groups was quadratic in labels.
 */
function groupsOf(files: readonly GraphFile[]): Group[] {
  const byTarget = new Map<string, Group>();
  for (const file of files) {
    if (file.empty) continue;
    const target = file.label === undefined ? allLabels(file.kind) : `${file.kind}.${file.label}`;
    const group = byTarget.get(target) ?? { target, files: [] };
    group.files.push(file);
    byTarget.set(target, group);
  }
  const groups = [...byTarget.values()].map((g) => ({
    group: g,
    first: g.files[0] as GraphFile,
    folder: commonFolder(g.files.map((f) => f.key)),
  }));
  const present = new Set(groups.map((g) => shapeIn(g.first, g.folder)));
  const sets = new Map<string, { kind: GraphFile['kind']; groups: Group[] }>();
  for (const g of groups) {
    let top = g.folder;
    for (const above of foldersDownTo(g.folder)) {
      if (present.has(shapeIn(g.first, above))) {
        top = above;
        break;
      }
    }
    const key = shapeIn(g.first, top);
    const set = sets.get(key);
    if (set === undefined) sets.set(key, { kind: g.first.kind, groups: [g.group] });
    else set.groups.push(g.group);
  }
  const list = [...sets.values()].map(({ kind, groups: set }) =>
    set.length === 1 ? (set[0] as Group) : { target: allLabels(kind), files: set.flatMap((g) => g.files) },
  );
  return list.sort((a, b) => a.target.localeCompare(b.target));
}

/**
 * What locating a group asks of the export's listing, indexed once per registration: the files below
 * a folder, and the files with a header and no rows below it, by kind and schema. Each file is
 * counted in every folder above it (its depth, not the number of labels); the sorted keys are built
 * only when some group's folder holds other files, to name a few of them.
 */
function listingIndex(listed: readonly ParquetObject[], empties: readonly GraphFile[]) {
  const filesUnder = new Map<string, number>();
  for (const o of listed)
    for (const folder of foldersDownTo(folderOf(o.key)))
      filesUnder.set(folder, (filesUnder.get(folder) ?? 0) + 1);
  const emptiesUnder = new Map<string, GraphFile[]>();
  for (const f of empties) {
    for (const folder of foldersDownTo(folderOf(f.key))) {
      const key = shapeIn(f, folder);
      const list = emptiesUnder.get(key);
      if (list === undefined) emptiesUnder.set(key, [f]);
      else list.push(f);
    }
  }
  let sorted: string[] | undefined;
  return {
    filesUnder: (folder: string) => filesUnder.get(folder) ?? 0,
    /** The empty files below `folder` of `like`'s kind and columns. */
    emptiesLike: (like: GraphFile, folder: string) => emptiesUnder.get(shapeIn(like, folder)) ?? [],
    /**
     * Up to `n` keys below `folder` that are not `members`: the keys below a folder are one run of the
     * sorted keys, walked from its start, so a group passes over its own files at most.
     */
    othersUnder(folder: string, members: ReadonlySet<string>, n: number): string[] {
      sorted ??= listed.map((o) => o.key).sort();
      const keys = sorted;
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((keys[mid] as string) < folder) lo = mid + 1;
        else hi = mid;
      }
      const others: string[] = [];
      for (let i = lo; i < keys.length && others.length < n; i++) {
        const key = keys[i] as string;
        if (!key.startsWith(folder)) break;
        if (!members.has(key)) others.push(key);
      }
      return others;
    },
  };
}

type ListingIndex = ReturnType<typeof listingIndex>;

/** The group's location, or why it has none Athena could read it from. */
function locate(
  group: Group,
  root: string,
  index: ListingIndex,
): { location: string; files: GraphFile[] } | { reason: string } {
  const location = commonFolder(group.files.map((f) => f.key));
  if (location === root || !location.startsWith(root)) {
    return {
      reason: `its files lie directly in the export's folder ${root}, with everything else the export wrote`,
    };
  }
  const first = group.files[0] as GraphFile;
  const members = new Set(group.files.map((f) => f.key));
  // A file with a header and no rows in this folder, of this label's columns, is one of its files.
  const extra = index.emptiesLike(first, location).filter((f) => !members.has(f.key));
  for (const f of extra) members.add(f.key);
  // Every member is a listed file below the location: the rest below it are other files.
  const intruders = index.filesUnder(location) - members.size;
  if (intruders > 0) {
    const shown = index.othersUnder(location, members, 3);
    return {
      reason:
        `its folder ${location} also holds ${intruders} other file(s) (${shown.join(', ')}), ` +
        'and Athena reads every file below a table location',
    };
  }
  return { location, files: [...group.files, ...extra] };
}

function columnsOf(files: readonly GraphFile[], csv: boolean) {
  const schemas: FileSchema[] = files.map((f) => ({ key: f.key, columns: f.columns }));
  const comments = new Map(files.flatMap((f) => [...f.comments]));
  if (csv) {
    // The CSV SerDe reads by position: every file of the label must have the same header.
    const first = files[0] as GraphFile;
    const other = files.find((f) => !sameColumns(f, first));
    if (other) return { ok: false as const, reason: `${other.key} has another header than ${first.key}` };
    const cols = glueColumns({ columns: first.columns }, schemas, comments);
    return cols.ok ? { ok: true as const, columns: cols.columns, serde: {}, notes: [] } : cols;
  }
  const merged = mergeSchemas(schemas);
  if (!merged.ok) return merged;
  const cols = glueColumns(merged, schemas, comments);
  return cols.ok ? { ...cols, notes: merged.notes } : cols;
}

/**
 * Registers every vertex and edge label of one completed graph export in the graph's Glue database,
 * resumable as RDS's registration is (cursor.ts): first it reads the files it has not read yet (an
 * invocation that runs out of time keeps what it read, graph-progress.ts), then it registers the
 * labels after the cursor in target order, until its time is nearly up.
 */
export async function registerGraphExport(
  input: GraphRegisterInput,
  deps: RegisterDeps,
  cursor?: RegisterCursor,
): Promise<RegistrationResult & { cursor?: RegisterCursor }> {
  const root = `${input.prefix.replace(/^\/+|\/+$/g, '')}/`;
  const listing = await listGraphExport(deps.s3, input.bucket, root);
  const stop = timeIsUp(deps);
  const known =
    cursor === undefined ? new Map<string, Inspected>() : await readProgress(deps.s3, input.bucket, root);
  const unread = listing.files.filter((f) => !known.has(f.key));
  const read = await runScheduled(
    unread,
    { limit: deps.s3Concurrency ?? 32, stop, transient: () => false, retries: 0 },
    (file) => inspectFile(deps.s3, input.bucket, input.format, file),
  );
  for (const i of read) if (i !== undefined) known.set(i.key, i);
  // In listing order, however many invocations read them: the groups and their columns are the same.
  const inspected = listing.files.flatMap((f) => known.get(f.key) ?? []);
  const problems = inspected.flatMap((i) => ('problem' in i ? [`${i.key}: ${i.problem}`] : []));
  const database = databaseName(deps.databasePrefix, 'graph', input.sourceIdentifier);
  const full: FullRegistration = { database, registered: [], skipped: [], failed: [], problems };
  const report = async (next: RegisterCursor | undefined) => {
    if (next !== undefined && unread.length > 0) await writeProgress(deps.s3, input.bucket, root, inspected);
    const previous = cursor === undefined ? undefined : await readReport(deps.s3, input.bucket, root);
    const merged = previous === undefined ? full : mergeRegistrations(previous, full);
    const result = await reportRegistration(deps.s3, input.bucket, root, input.exportTaskIdentifier, merged);
    return next === undefined ? result : { ...result, cursor: next };
  };
  // Out of time while reading (or right after): no label starts; the next invocation reads on.
  if (unread.length > 0 && (inspected.length < listing.files.length || stop())) {
    return report({ after: cursor?.after ?? '', invocation: (cursor?.invocation ?? 0) + 1 });
  }

  const files = inspected.filter((i): i is GraphFile => !('problem' in i));
  const groups = groupsOf(files);
  const index = listingIndex(
    listing.files,
    files.filter((f) => f.empty),
  );
  await ensureDatabase(deps.glue, database, `Neptune Analytics exports of graph ${input.sourceIdentifier}`);
  const catalog = await readCatalog(deps.glue, database);
  const names = assignTableNames(
    groups.map((g) => g.target),
    registeredTargets(catalog.tables),
    new Set(catalog.tables.keys()),
  );
  const todo = remainingAfter(groups, cursor);
  type Outcome = Awaited<ReturnType<typeof registerGroup>>;
  const isTransient = (o: Outcome) => 'error' in o && o.transient === true;
  const results = await runScheduled(
    todo,
    { limit: deps.glueConcurrency ?? 16, stop, transient: isTransient, retries: TRANSIENT_RERUNS },
    registerGroup,
  );
  const finished = (o: Outcome | undefined): o is Outcome => o !== undefined && !isTransient(o);
  for (const o of results.filter(finished)) {
    if ('error' in o) full.failed.push({ target: o.group.target, reason: o.error as string });
    else {
      const entry = { target: o.group.target, table: o.name, columns: o.columns };
      full.registered.push(o.notes.length > 0 ? { ...entry, notes: o.notes } : entry);
    }
  }
  if (!results.some((o) => o === undefined)) {
    failIfTransient(results.flatMap((o) => (o !== undefined && isTransient(o) ? [o.group.target] : [])));
  }
  return report(cursorAfter(todo, (i) => finished(results[i]), cursor));

  async function registerGroup(group: Group) {
    const name = names.get(group.target) as string;
    const located = locate(group, root, index);
    if ('reason' in located) return { group, name, error: located.reason };
    const cols = columnsOf(located.files, input.format === 'CSV');
    if (!cols.ok) return { group, name, error: cols.reason };
    const desired: DesiredTable = {
      target: group.target,
      name,
      columns: cols.columns,
      location: `s3://${input.bucket}/${located.location}`,
      sourceLocation: folderAbove(input.bucket, root),
      exportId: input.exportTaskIdentifier,
      snapshotTime: input.snapshotTime,
      serde: cols.serde,
      ...(input.format === 'CSV' ? { storage: CSV_STORAGE } : {}),
      ...(input.rule === undefined ? {} : { rule: input.rule }),
    };
    const writes = planTable(desired, catalog.tables.get(name), catalog.tables.get(name + HISTORY_SUFFIX));
    const applied = await applyWrites(deps.glue, database, writes, deps.entryRetry);
    if (!applied.ok) return { group, name, error: applied.reason, transient: applied.transient };
    return { group, name, columns: cols.columns.length, notes: cols.notes };
  }
}
