import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RegisterCursor } from '#functions/register-export/cursor.ts';
import { registerExport } from '#functions/register-export/register.ts';
import { memoryS3 } from '#test/catalog/memory-s3.ts';
import { MemoryGlue } from '#testkit/memory-glue.ts';

let parquet: Uint8Array;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'register-cursor-'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (SELECT 1::INTEGER AS id) TO '${dir}/f.parquet' (FORMAT parquet)`);
  conn.closeSync();
  db.closeSync();
  parquet = new Uint8Array(readFileSync(`${dir}/f.parquet`));
  rmSync(dir, { recursive: true, force: true });
});

let s3: ReturnType<typeof memoryS3> | undefined;
afterEach(() => s3?.mock.restore());

const TABLES = 6;
const input = {
  bucket: 'b',
  prefix: 'p',
  exportTaskIdentifier: 'e1',
  snapshotTime: '2026-01-01T00:00:00Z',
  sourceIdentifier: 'prod',
  sourceKind: 'db-snapshot',
  engine: 'postgres',
};
const exportOf = (tables: number) =>
  memoryS3(
    new Map(
      Array.from({ length: tables }, (_, i) => [
        `p/e1/db/public.t${i}/1/part-00000-x-c000.gz.parquet`,
        parquet,
      ]),
    ),
  );
const writes = (glue: MemoryGlue) => glue.calls.filter((c) => /^(Create|Update|BatchCreate)/.test(c));

/** Registers until no cursor is returned, each invocation given time for `perInvocation` tables. */
async function registerInRounds(glue: MemoryGlue, store: ReturnType<typeof memoryS3>, perInvocation: number) {
  let cursor: RegisterCursor | undefined;
  const rounds = [];
  do {
    let takes = 0;
    const result = await registerExport(
      input,
      {
        glue,
        s3: store.client,
        databasePrefix: 'rds_export_',
        glueConcurrency: 1,
        // The first table always starts; the clock runs out once `perInvocation` have.
        remainingMs: () => (++takes < perInvocation ? 600_000 : 1_000),
      },
      cursor,
    );
    rounds.push(result);
    cursor = result.cursor;
  } while (cursor !== undefined && rounds.length < 50);
  return rounds;
}

describe('a registration cut short by its time limit', () => {
  it('returns a cursor past the tables it finished when the time runs out', async () => {
    s3 = exportOf(TABLES);
    const [first] = await registerInRounds(new MemoryGlue(), s3, 2);

    expect(first?.cursor).toEqual({ after: 'db.public.t1', invocation: 1 });
    expect(first?.registered.map((r) => r.target)).toEqual(['db.public.t0', 'db.public.t1']);
  });

  it.each(Array.from({ length: TABLES }, (_, i) => i + 1))(
    'resumes where it stopped when cut every %i table(s), registers every table once and writes nothing twice',
    async (perInvocation) => {
      const whole = new MemoryGlue();
      s3 = exportOf(TABLES);
      await registerInRounds(whole, s3, TABLES + 1);
      s3.mock.restore();
      const cut = new MemoryGlue();
      s3 = exportOf(TABLES);

      const rounds = await registerInRounds(cut, s3, perInvocation);
      const last = rounds.at(-1);

      expect(rounds).toHaveLength(Math.ceil(TABLES / perInvocation));
      expect(last?.cursor).toBeUndefined();
      expect(last?.registeredCount).toBe(TABLES);
      expect(last?.registered.map((r) => r.target)).toEqual(
        Array.from({ length: TABLES }, (_, i) => `db.public.t${i}`),
      );
      expect(writes(cut)).toEqual(writes(whole));
      const report = JSON.parse(s3.written.get('p/e1/rds-export-registration-report.json') ?? '{}');
      expect(report.registered).toHaveLength(TABLES);
    },
  );

  it('finds the tables of a round that ended without its result written and writes none of them again', async () => {
    const glue = new MemoryGlue();
    s3 = exportOf(TABLES);
    let takes = 0;
    const first = await registerExport(input, {
      glue,
      s3: s3.client,
      databasePrefix: 'rds_export_',
      glueConcurrency: 1,
      remainingMs: () => (++takes < 3 ? 600_000 : 1_000),
    });
    const before = writes(glue).length;

    // The state machine retries an invocation with the cursor it was given: here the first round's.
    const again = await registerExport(
      input,
      { glue, s3: s3.client, databasePrefix: 'rds_export_' },
      undefined,
    );

    expect(first?.cursor).toBeDefined();
    expect(again.registeredCount).toBe(TABLES);
    expect(writes(glue).length - before).toBe((TABLES - 3) * 5);
  });
});
