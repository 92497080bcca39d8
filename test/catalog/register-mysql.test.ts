import { parquetMetadata, parquetSchema } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerExport } from '#functions/register-export/register.ts';
import type { RegistrationResult } from '#shared/contract/execution.ts';
import { duckType, readAsRegistered } from './duckdb-reader.ts';
import type { FixtureColumn } from './export-tree.ts';
import { ExportTree, tableStatus } from './export-tree.ts';
import { MYSQL_ALL_TYPES } from './fixtures.ts';
import { mockGlue } from './glue-mock.ts';
import { memoryS3 } from './memory-s3.ts';

const DB = 'rds_export_db_my_app_db';
const col = (name: string, sql: string, glue: string, text: string): FixtureColumn => ({
  name,
  sql,
  glue,
  text,
});
const FILE = 'exp-my/app/app.everything/1/part-00000-aaaa-c000.gz.parquet';

describe('registering a MySQL export in Glue', () => {
  let tree: ExportTree;
  let glue: ReturnType<typeof mockGlue>;
  let s3: ReturnType<typeof memoryS3>;
  let result: RegistrationResult;

  beforeAll(async () => {
    tree = await ExportTree.create();
    tree.text(
      'exp-my/export_tables_info_exp-my_from_1_to_1.json',
      JSON.stringify({
        perTableStatus: [tableStatus('app.everything', MYSQL_ALL_TYPES), tableStatus('app.with space', [])],
      }),
    );
    tree.text(
      'exp-my/export_tables_info_exp-my_from_2_to_3.json',
      JSON.stringify({ perTableStatus: [tableStatus('app.mixed', []), { status: 'COMPLETE' }] }),
    );
    await tree.parquet(FILE, MYSQL_ALL_TYPES);
    // Spaces in names become `_` in S3 keys; the metadata keeps the real name.
    await tree.parquet('exp-my/app/app.with_space/part-00000-bbbb.gz.parquet', [
      col('a', '1::INTEGER', 'int', '1'),
    ]);
    // Two files of one table disagree: INT32 vs INT64 widens; a column missing from one file is kept.
    await tree.parquet('exp-my/app/app.mixed/1/part-00000-cccc-c000.gz.parquet', [
      col('n', '1::INTEGER', 'int', '1'),
    ]);
    await tree.parquet('exp-my/app/app.mixed/2/part-00001-dddd-c000.gz.parquet', [
      col('n', '5000000000::BIGINT', 'bigint', '5000000000'),
      col('m', "'x'", 'string', 'x'),
    ]);
    await tree.parquet('exp-my/app/app.clash/1/part-00000-eeee-c000.gz.parquet', [
      col('n', '1::INTEGER', 'int', '1'),
    ]);
    await tree.parquet('exp-my/app/app.clash/2/part-00001-ffff-c000.gz.parquet', [
      col('n', "'one'", 'string', 'one'),
    ]);
    glue = mockGlue();
    s3 = memoryS3(tree.objects());
    result = await registerExport(
      {
        bucket: 'b',
        prefix: '',
        exportTaskIdentifier: 'exp-my',
        sourceIdentifier: 'My-App-DB',
        sourceKind: 'db-snapshot',
        engine: 'aurora-mysql',
      },
      { glue: glue.client, s3: s3.client, databasePrefix: 'rds_export_' },
    );
  });
  afterAll(() => {
    glue.mock.restore();
    s3.mock.restore();
    tree.close();
  });

  it('writes the Parquet physical and logical types a MySQL export writes', () => {
    const bytes = tree.objects().get(FILE) as Uint8Array;
    const schema = parquetSchema(parquetMetadata(bytes.buffer.slice(bytes.byteOffset) as ArrayBuffer));
    const el = (n: string) => schema.children.find((c) => c.element.name === n)?.element;
    expect(el('dec_small')).toMatchObject({ type: 'INT32', precision: 5, scale: 2 });
    expect(el('dec_mid')).toMatchObject({ type: 'INT64', precision: 15, scale: 2 });
    expect(el('dec_big')).toMatchObject({ type: 'FIXED_LEN_BYTE_ARRAY', precision: 30 });
    expect(el('big_unsigned')).toMatchObject({ type: 'FIXED_LEN_BYTE_ARRAY', precision: 20, scale: 0 });
    expect(el('tu')).toMatchObject({ type: 'INT32', converted_type: 'INT_16' });
    expect(el('dt')).toMatchObject({ type: 'INT64', converted_type: 'TIMESTAMP_MICROS' });
    expect(el('bin')).toMatchObject({ type: 'BYTE_ARRAY' });
    expect(el('bin')?.converted_type).toBeUndefined();
    expect(el('vc')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
  });

  it('registers columns whose Glue types read every MySQL type back unchanged', async () => {
    const table = glue.memory.table(DB, 'app_everything');
    const read = await readAsRegistered(tree, table?.StorageDescriptor ?? {});
    expect(read.map((c) => c.name)).toEqual(MYSQL_ALL_TYPES.map((c) => c.name));
    for (const [i, fixture] of MYSQL_ALL_TYPES.entries()) {
      // DuckDB reads the JSON annotation as its JSON alias of VARCHAR.
      const file = read[i]?.fileType === 'JSON' ? 'VARCHAR' : read[i]?.fileType;
      expect({ column: fixture.name, type: read[i]?.glueType, file, value: read[i]?.value }).toEqual({
        column: fixture.name,
        type: fixture.glue,
        file: duckType(fixture.glue),
        value: fixture.text,
      });
    }
  });

  it('finds the folder of a table whose name has a space and names the Glue table safely', () => {
    expect(result.registered.find((r) => r.target === 'app.with space')?.table).toBe('app_with_space');
  });

  it('widens files that disagree compatibly and says so in the notes', async () => {
    const mixed = result.registered.find((r) => r.target === 'app.mixed');
    expect(mixed?.notes).toEqual([
      'column n: files hold int, bigint; registered as bigint',
      'column m is missing from 1 of 2 files',
    ]);
    const read = await readAsRegistered(tree, glue.memory.table(DB, 'app_mixed')?.StorageDescriptor ?? {});
    expect(read.map((c) => [c.name, c.glueType])).toEqual([
      ['n', 'bigint'],
      ['m', 'string'],
    ]);
  });

  it('fails a table whose files disagree incompatibly, with the reason, and registers the others', () => {
    expect(result.failed).toEqual([
      { target: 'app.clash', reason: 'files disagree on column n: int vs string' },
    ]);
    expect(glue.memory.table(DB, 'app_clash')).toBeUndefined();
    expect(result.registered).toHaveLength(3);
  });

  it('reports a metadata entry without a target', () => {
    expect(result.problems).toEqual([
      'exp-my/export_tables_info_exp-my_from_2_to_3.json: perTableStatus[1] has no target',
    ]);
  });
});
