import { afterEach, describe, expect, it } from 'vitest';
import type { RegisterCursor } from '#functions/register-export/cursor.ts';
import { PROGRESS_FILE } from '#functions/register-export/graph-progress.ts';
import { registerGraphExport } from '#functions/register-export/graph-register.ts';
import type { RegisterDeps } from '#functions/register-export/register.ts';
import { REPORT_FILE } from '#functions/register-export/report.ts';
import { sampleGraphExport } from '#test/catalog/graph-export.ts';
import { memoryS3 } from '#test/catalog/memory-s3.ts';
import { MemoryGlue } from '#testkit/memory-glue.ts';

const ROOT = 'exports/g/sample-graph-x1/';
const input = (format: 'PARQUET' | 'CSV') => ({
  bucket: 'bucket',
  prefix: ROOT,
  exportTaskIdentifier: 'sample-graph-x1',
  snapshotTime: '2024-05-05T04:00:00.000Z',
  sourceIdentifier: 'sample-graph',
  format,
});

let stores: ReturnType<typeof memoryS3>[] = [];
afterEach(() => {
  for (const s of stores) s.mock.restore();
  stores = [];
});

async function exportOf(format: 'PARQUET' | 'CSV') {
  const { objects } = await sampleGraphExport(`${ROOT}t-1/`, format);
  const store = memoryS3(objects);
  stores.push(store);
  return { store, files: objects.size };
}

const writes = (glue: MemoryGlue) => glue.calls.filter((c) => /^(Create|Update|Delete|BatchCreate)/.test(c));
/** The export's own files read (not the report or the progress record): each read once in all. */
const fileReads = (store: ReturnType<typeof memoryS3>) =>
  store.ranges.filter((r) => !r.key.endsWith(REPORT_FILE) && !r.key.endsWith(PROGRESS_FILE)).length;

/** Registers until no cursor is returned, each invocation's clock running out after `reads` reads of it. */
/** register-export's deps over the in-memory Glue and S3, with `over` on top. */
const depsOf = (glue: MemoryGlue, store: ReturnType<typeof memoryS3>, over: Partial<RegisterDeps> = {}) => ({
  glue,
  s3: store.client,
  databasePrefix: 'rds_export_',
  ...over,
});

async function registerInRounds(
  glue: MemoryGlue,
  store: ReturnType<typeof memoryS3>,
  format: 'PARQUET' | 'CSV',
  reads: number,
) {
  let cursor: RegisterCursor | undefined;
  const rounds = [];
  do {
    let takes = 0;
    // Sequential reads and writes, so the cut falls at the same file or label in every run.
    const deps = depsOf(glue, store, {
      glueConcurrency: 1,
      s3Concurrency: 1,
      remainingMs: () => (++takes < reads ? 600_000 : 1_000),
    });
    const result = await registerGraphExport(input(format), deps, cursor);
    rounds.push(result);
    cursor = result.cursor;
  } while (cursor !== undefined && rounds.length < 200);
  return rounds;
}

describe('a graph registration cut short by its time limit', () => {
  it('keeps the files it read and returns a cursor when its time runs out while reading them', async () => {
    const { store } = await exportOf('CSV');
    const glue = new MemoryGlue();
    let takes = 0;
    const deps = depsOf(glue, store, {
      s3Concurrency: 1,
      remainingMs: () => (++takes < 2 ? 600_000 : 1_000),
    });

    const first = await registerGraphExport(input('CSV'), deps);
    const progress = JSON.parse(store.written.get(`${ROOT}${PROGRESS_FILE}`) ?? '{}');
    takes = 0;
    const second = await registerGraphExport(input('CSV'), deps, first.cursor);

    expect(first.cursor).toEqual({ after: '', invocation: 1 });
    expect(first.registeredCount).toBe(0);
    expect(glue.calls).toEqual([]);
    expect(progress.files).toHaveLength(2);
    expect(second.cursor?.invocation).toBe(2);
  });

  for (const format of ['PARQUET', 'CSV'] as const) {
    it.each([1, 2, 3, 5, 8])(
      `resumes a ${format} export cut after every %i file(s) or label(s) with the Glue writes of an uncut run, reading each file once`,
      async (reads) => {
        const whole = new MemoryGlue();
        const uncut = await exportOf(format);
        const [alone] = await registerInRounds(whole, uncut.store, format, 10_000);
        const glue = new MemoryGlue();
        const { store } = await exportOf(format);

        const rounds = await registerInRounds(glue, store, format, reads);
        const last = rounds.at(-1);

        expect(alone?.cursor).toBeUndefined();
        expect(alone?.registeredCount).toBeGreaterThan(2);
        expect(rounds.length).toBeGreaterThan(1);
        expect(last?.cursor).toBeUndefined();
        expect(last?.registered.map((r) => r.target).sort()).toEqual(
          alone?.registered.map((r) => r.target).sort(),
        );
        expect(last?.failed).toEqual(alone?.failed);
        expect(writes(glue)).toEqual(writes(whole));
        expect([...glue.tables]).toEqual([...whole.tables]);
        expect(fileReads(store)).toBe(fileReads(uncut.store));
        const report = JSON.parse(store.written.get(`${ROOT}${REPORT_FILE}`) ?? '{}');
        expect(report.registered).toHaveLength(alone?.registeredCount ?? -1);
      },
    );
  }

  it('reads the files again when the state machine retries its first invocation, which had no cursor', async () => {
    const { store, files } = await exportOf('CSV');
    const glue = new MemoryGlue();
    // Out of time at once: the first file is read (every invocation makes progress), then it stops.
    const first = await registerGraphExport(
      input('CSV'),
      depsOf(glue, store, { s3Concurrency: 1, remainingMs: () => 1_000 }),
    );

    const again = await registerGraphExport(input('CSV'), depsOf(glue, store));

    expect(first.cursor).toBeDefined();
    expect(again.cursor).toBeUndefined();
    expect(again.registeredCount).toBeGreaterThan(0);
    expect(fileReads(store)).toBe(1 + files);
  });
});
