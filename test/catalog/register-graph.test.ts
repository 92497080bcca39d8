import { BatchCreatePartitionCommand } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGraphExport } from '#functions/register-export/graph-register.ts';
import { LocalAthena } from '#local/athena/engine.ts';
import type { LabelTable } from '#local/neptune-graph/export-plan.ts';
import { ORDERS_PER_CUSTOMER } from '#local/neptune-graph/sample-graph.ts';
import type { RegistrationResult } from '#shared/contract/execution.ts';
import { mockGlue } from './glue-mock.ts';
import { expectedRows, readValue, sampleGraphExport, targetOf } from './graph-export.ts';
import { localCatalogOf } from './local-catalog.ts';
import { memoryS3 } from './memory-s3.ts';

// A Neptune Analytics export of the sample graph, written as the local endpoint writes it (real
// Parquet, and the loader's CSV), registered in Glue, and read back through the registered tables
// by DuckDB the way Athena reads them ("Structure of exported files": one file set per label).

const DB = 'rds_export_graph_sample_graph';
const EXPORT_ID = 'sample-graph-1a2b3c4d5e';
const ROOT = `exports/graph/sample-graph/${EXPORT_ID}/`;

async function registered(format: 'PARQUET' | 'CSV') {
  const { objects, tables } = await sampleGraphExport(`${ROOT}t-abcdefghij/`, format);
  const glue = mockGlue();
  const s3 = memoryS3(objects);
  const result = await registerGraphExport(
    {
      bucket: 'bucket',
      prefix: ROOT,
      exportTaskIdentifier: EXPORT_ID,
      snapshotTime: '2024-05-05T04:00:00.000Z',
      sourceIdentifier: 'sample-graph',
      format,
      rule: 'local-graphs',
    },
    { glue: glue.client, s3: s3.client, databasePrefix: 'rds_export_' },
  );
  return { result, tables, glue, s3, athena: new LocalAthena(localCatalogOf(glue.memory), s3.client) };
}

for (const format of ['PARQUET', 'CSV'] as const) {
  describe(`registering a graph export as ${format}`, () => {
    let run: Awaited<ReturnType<typeof registered>>;
    beforeAll(async () => {
      run = await registered(format);
    });
    afterAll(async () => {
      await run.athena.close();
      run.glue.mock.restore();
      run.s3.mock.restore();
    });

    it('registers one table per vertex label and per edge label, each with a latest and a history table', () => {
      expect(run.result.database).toBe(DB);
      expect(run.result.failed).toEqual([]);
      expect(run.result.problems ?? []).toEqual([]);
      expect(run.result.registered.map((r) => r.target).sort()).toEqual(run.tables.map(targetOf).sort());
      const names = [...run.glue.memory.tables.keys()].map((k) => k.split('/')[1]);
      for (const { table } of run.result.registered)
        expect(names).toEqual(expect.arrayContaining([table, `${table}_history`]));
    });

    it.each(['customer', 'product', 'order'])(
      'reads every id, label and property of the %s vertices back exactly',
      async (label) => {
        await expectLabel(run, 'vertex', label);
      },
    );

    it.each(['placed', 'contains', 'reviewed', 'knows'])(
      'reads every edge of %s back exactly, with its ends',
      async (label) => {
        await expectLabel(run, 'edge', label);
      },
    );

    it("answers a graph question in SQL: each customer's number of orders, through the placed edges", async () => {
      const { rows } = await run.athena.query(
        `SELECT c.name, count(p."_to") FROM ${DB}.vertex_customer c LEFT JOIN ${DB}.edge_placed p ON p."_from" = c."_id" GROUP BY c.name`,
        [DB],
      );
      expect(Object.fromEntries(rows.map(([name, n]) => [name, Number(n)]))).toEqual(ORDERS_PER_CUSTOMER);
    });
  });
}

async function expectLabel(
  run: Awaited<ReturnType<typeof registered>>,
  kind: 'vertex' | 'edge',
  label: string,
) {
  const table = run.tables.find((t) => t.kind === kind && t.label === label) as LabelTable;
  const entry = run.result.registered.find((r) => r.target === `${kind}.${label}`);
  const glueTable = run.glue.memory.tables.get(`${DB}/${entry?.table}`);
  const columns = glueTable?.StorageDescriptor?.Columns ?? [];
  const format = glueTable?.Parameters?.classification === 'csv' ? 'CSV' : 'PARQUET';
  const { rows } = await run.athena.query(`SELECT * FROM ${DB}.${entry?.table} ORDER BY "_id"`, [DB]);
  const strings = new Set(columns.flatMap((c, i) => (c.Type === 'string' ? [i] : [])));
  const read = rows.map((row) => row.map((v, i) => readValue(v, columns[i]?.Type ?? 'string')));
  expect(read).toEqual(expectedRows(table, format, strings));
}

describe('the Glue types of a graph export', () => {
  let parquet: Awaited<ReturnType<typeof registered>>;
  let csv: Awaited<ReturnType<typeof registered>>;
  beforeAll(async () => {
    // One after the other: aws-sdk-client-mock stubs the client class, not one client.
    parquet = await registered('PARQUET');
    csv = await registered('CSV');
  });
  afterAll(async () => {
    for (const run of [parquet, csv]) {
      await run.athena.close();
      run.glue.mock.restore();
      run.s3.mock.restore();
    }
  });
  const columns = (run: Awaited<ReturnType<typeof registered>>, table: string) =>
    (run.glue.memory.tables.get(`${DB}/${table}`)?.StorageDescriptor?.Columns ?? []).map(
      (c) => `${c.Name} ${c.Type}`,
    );

  it("are the Parquet footers' types, TO_LIST properties as arrays of the element type the files hold", () => {
    expect(columns(parquet, 'vertex_customer')).toEqual([
      '_id string',
      '_label string',
      'name string',
      'emails array<string>',
      'age int',
      'vip boolean',
      'since date',
      'balance double',
      'score float',
    ]);
    expect(columns(parquet, 'vertex_product')).toEqual([
      '_id string',
      '_label string',
      'title string',
      'price double',
      'tags array<string>',
      'rating string',
      'stock bigint',
      'weightgrams smallint',
      'sizecode tinyint',
    ]);
    expect(columns(parquet, 'edge_reviewed')).toEqual([
      '_id string',
      '_from string',
      '_to string',
      '_label string',
      'stars tinyint',
      'text string',
      'at timestamp',
    ]);
  });

  it('read the renamed system columns (~id, ~label, ~from, ~to) by position, each commented with its name', () => {
    const table = parquet.glue.memory.tables.get(`${DB}/edge_placed`);
    expect(table?.StorageDescriptor?.SerdeInfo?.Parameters).toEqual({
      'parquet.column.index.access': 'true',
    });
    expect(table?.StorageDescriptor?.Columns?.slice(0, 4).map((c) => c.Comment)).toEqual([
      '~id',
      '~from',
      '~to',
      '~label',
    ]);
    const rating = parquet.glue.memory.tables.get(`${DB}/vertex_product`)?.StorageDescriptor?.Columns?.[5];
    expect(rating?.Comment).toMatch(/^Any/);
  });

  it('map the CSV loader header to the types the OpenCSVSerDe reads, the header kept as each comment', () => {
    expect(columns(csv, 'vertex_customer')).toEqual([
      '_id string',
      '_label string',
      'name string',
      'emails string',
      'age int',
      'vip boolean',
      'since string',
      'balance double',
      'score double',
    ]);
    const table = csv.glue.memory.tables.get(`${DB}/vertex_customer`);
    expect(table?.StorageDescriptor?.Columns?.map((c) => c.Comment)).toEqual([
      '~id',
      '~label',
      'name:String',
      'emails:String[]',
      'age:Int',
      'vip:Bool',
      'since:Date',
      'balance:Double',
      'score:Float',
    ]);
    expect(table?.StorageDescriptor?.SerdeInfo).toEqual({
      SerializationLibrary: 'org.apache.hadoop.hive.serde2.OpenCSVSerde',
      Parameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' },
    });
    expect(table?.Parameters).toMatchObject({
      classification: 'csv',
      'skip.header.line.count': '1',
      'use.null.for.invalid.data': 'true',
    });
  });

  it("keep one history partition per export, at the label's folder of that export", () => {
    const partitions = parquet.glue.memory.partitions.get(`${DB}/vertex_customer_history`) ?? [];
    expect(partitions.map((p) => p.Values)).toEqual([[EXPORT_ID, '2024-05-05T04:00:00.000Z']]);
    expect(partitions[0]?.StorageDescriptor?.Location).toBe(
      `s3://bucket/${ROOT}t-abcdefghij/vertices/customer/`,
    );
    // Each partition records the rule the export ran under (functions/prune applies its retention).
    const sent = parquet.glue.mock
      .commandCalls(BatchCreatePartitionCommand)
      .flatMap((c) => c.args[0].input.PartitionInputList ?? []);
    expect(new Set(sent.map((p) => p.Parameters?.['rds_export.rule']))).toEqual(new Set(['local-graphs']));
  });
});

describe('registering the same graph export twice', () => {
  it('writes nothing the second time', async () => {
    const run = await registered('PARQUET');
    const writes = run.glue.writes();
    const again: RegistrationResult = await registerGraphExport(
      {
        bucket: 'bucket',
        prefix: ROOT,
        exportTaskIdentifier: EXPORT_ID,
        snapshotTime: '2024-05-05T04:00:00.000Z',
        sourceIdentifier: 'sample-graph',
        format: 'PARQUET',
        rule: 'local-graphs',
      },
      { glue: run.glue.client, s3: run.s3.client, databasePrefix: 'rds_export_' },
    );
    expect(again.registeredCount).toBe(run.result.registeredCount);
    expect(run.glue.writes()).toBe(writes);
    await run.athena.close();
    run.glue.mock.restore();
    run.s3.mock.restore();
  });
});
