import { afterEach, describe, expect, it } from 'vitest';
import { registerGraphExport } from '#functions/register-export/graph-register.ts';
import { mockGlue } from '#test/catalog/glue-mock.ts';
import { sampleGraphExport } from '#test/catalog/graph-export.ts';
import { memoryS3 } from '#test/catalog/memory-s3.ts';

// "Structure of exported files" documents file sets per label, not their folder or file names: the
// registration groups files by what they hold and never by what they are called.

const ROOT = 'exports/g/sample-graph-x1/';
const text = (body: string) => new TextEncoder().encode(body);
let restore: (() => void)[] = [];
afterEach(() => {
  for (const r of restore) r();
  restore = [];
});

async function register(objects: Map<string, Uint8Array>, format: 'PARQUET' | 'CSV') {
  const glue = mockGlue();
  const s3 = memoryS3(objects);
  restore.push(
    () => glue.mock.restore(),
    () => s3.mock.restore(),
  );
  const result = await registerGraphExport(
    {
      bucket: 'bucket',
      prefix: ROOT,
      exportTaskIdentifier: 'sample-graph-x1',
      snapshotTime: '2024-05-05T04:00:00.000Z',
      sourceIdentifier: 'sample-graph',
      format,
    },
    { glue: glue.client, s3: s3.client, databasePrefix: 'rds_export_' },
  );
  const location = (target: string) => {
    const table = result.registered.find((r) => r.target === target)?.table;
    return glue.memory.tables.get(`rds_export_graph_sample_graph/${table}`)?.StorageDescriptor?.Location;
  };
  return { result, location };
}

describe('grouping a graph export by what its files hold', () => {
  it('finds each label in Parquet files of any name and depth, from the ~label the files hold', async () => {
    const { objects } = await sampleGraphExport(`${ROOT}t-1/`, 'PARQUET');
    const renamed = new Map<string, Uint8Array>();
    let n = 0;
    for (const [key, body] of objects) {
      // Another layout than the local endpoint's: opaque names, labels' folders named by number.
      const folder = key.includes('/customer/')
        ? 'a/1'
        : key.includes('/product/')
          ? 'a/2/deep'
          : key.split('/').at(-2);
      renamed.set(`${ROOT}out/${folder}/${(n++).toString(36)}`, body);
    }
    renamed.set(`${ROOT}out/a/1/_SUCCESS`, text(''));
    renamed.set(`${ROOT}out/a/1/.part.crc`, text('crc'));
    const { result, location } = await register(renamed, 'PARQUET');
    expect(result.failed).toEqual([]);
    expect(result.registered.map((r) => r.target)).toEqual(
      expect.arrayContaining(['vertex.customer', 'vertex.product', 'edge.placed']),
    );
    expect(location('vertex.customer')).toBe(`s3://bucket/${ROOT}out/a/1/`);
    expect(location('vertex.product')).toBe(`s3://bucket/${ROOT}out/a/2/deep/`);
  });

  it('refuses a label whose folder also holds another label’s files, since Athena reads a whole folder', async () => {
    const { result } = await register(
      new Map([
        [`${ROOT}v/part-1.csv`, text('~id,~label,name:String\nc-1,customer,Zoë\n')],
        [`${ROOT}v/part-2.csv`, text('~id,~label,title:String\np-1,product,Widget\n')],
        [`${ROOT}e/placed/part-1.csv`, text('~id,~from,~to,~label\ne-1,c-1,o-1,placed\n')],
      ]),
      'CSV',
    );
    expect(result.registered.map((r) => r.target)).toEqual(['edge.placed']);
    expect(result.failed.map((f) => f.target).sort()).toEqual(['vertex.customer', 'vertex.product']);
    expect(result.failed[0]?.reason).toMatch(
      /also holds 1 other file\(s\).*Athena reads every file below a table location/,
    );
  });

  it('registers a file set that holds every label at once (a filter exporting all labels together) as one table', async () => {
    const { result } = await register(
      new Map([
        [`${ROOT}all/1.csv`, text('~id,~label,name:String\nc-1,customer,Zoë\np-1,product,Widget\n')],
        [`${ROOT}all/2.csv`, text('~id,~label,name:String\nc-2,customer;vip,Lee\n')],
      ]),
      'CSV',
    );
    expect(result.registered.map((r) => r.target)).toEqual(['vertices']);
    expect(result.failed).toEqual([]);
  });

  it('joins single-label groups of one schema whose folders nest through a shallower one into one set', async () => {
    const header = '~id,~label,name:String';
    const { result, location } = await register(
      new Map([
        [`${ROOT}all/x/1.csv`, text(`${header}\nc-1,customer,Zoë\n`)],
        [`${ROOT}all/y/1.csv`, text(`${header}\np-1,product,Widget\n`)],
        [`${ROOT}all/2.csv`, text(`${header}\ns-1,supplier,Acme\n`)],
        [`${ROOT}other/1.csv`, text(`${header}\nw-1,warehouse,North\n`)],
      ]),
      'CSV',
    );
    // all/x/ and all/y/ do not nest, but both lie below all/, where supplier's file is: one set.
    expect(result.registered.map((r) => r.target)).toEqual(['vertex.warehouse', 'vertices']);
    expect(location('vertices')).toBe(`s3://bucket/${ROOT}all/`);
    expect(location('vertex.warehouse')).toBe(`s3://bucket/${ROOT}other/`);
  });

  it('groups and locates 600 labels sharing a folder or each in its own, naming the other files of a shared one', async () => {
    const labels = Array.from({ length: 600 }, (_, i) => `l${String(i).padStart(3, '0')}`);
    const own = new Map(
      labels.map((l, i) => [`${ROOT}v/${l}/1.csv`, text(`~id,~label,c${i}:String\n${l}-1,${l},x\n`)]),
    );
    const separate = await register(own, 'CSV');
    expect(separate.result.failed).toEqual([]);
    expect(separate.result.registeredCount).toBe(600);
    expect(separate.location('vertex.l001')).toBe(`s3://bucket/${ROOT}v/l001/`);

    const shared = new Map(
      labels.map((l, i) => [`${ROOT}v/${l}.csv`, text(`~id,~label,c${i}:String\n${l}-1,${l},x\n`)]),
    );
    const { result } = await register(shared, 'CSV');
    expect(result.registeredCount).toBe(0);
    expect(result.failedCount).toBe(600);
    const l001 = result.failed.find((f) => f.target === 'vertex.l001');
    expect(l001?.reason).toBe(
      `its folder ${ROOT}v/ also holds 599 other file(s) (${ROOT}v/l000.csv, ${ROOT}v/l002.csv, ${ROOT}v/l003.csv), ` +
        'and Athena reads every file below a table location',
    );
  });

  it('counts a file with a header and no rows as one of the files of its folder’s label', async () => {
    const { result, location } = await register(
      new Map([
        [`${ROOT}v/c/1.csv`, text('~id,~label,name:String\nc-1,customer,Zoë\n')],
        [`${ROOT}v/c/2.csv`, text('~id,~label,name:String\n')],
      ]),
      'CSV',
    );
    expect(result.failed).toEqual([]);
    expect(location('vertex.customer')).toBe(`s3://bucket/${ROOT}v/c/`);
  });

  it('reports a file that is neither a vertex nor an edge file, and registers the rest', async () => {
    const { result } = await register(
      new Map([
        [`${ROOT}summary.json`, text('{"vertices": 1}')],
        [`${ROOT}v/c/1.csv`, text('~id,~label,name:String\nc-1,customer,Zoë\n')],
      ]),
      'CSV',
    );
    expect(result.problems).toEqual([
      `${ROOT}summary.json: neither a vertex file (~id) nor an edge file (~from, ~to)`,
    ]);
    expect(result.registered.map((r) => r.target)).toEqual(['vertex.customer']);
  });

  it('refuses files of one label whose CSV headers differ: the CSV SerDe reads columns by position', async () => {
    const { result } = await register(
      new Map([
        [`${ROOT}v/c/1.csv`, text('~id,~label,name:String\nc-1,customer,Zoë\n')],
        [`${ROOT}v/c/2.csv`, text('~id,~label,age:Int\nc-2,customer,3\n')],
      ]),
      'CSV',
    );
    expect(result.failed).toEqual([
      { target: 'vertex.customer', reason: expect.stringMatching(/has another header than/) },
    ]);
  });

  it('refuses a label whose files lie directly in the export folder, beside the registration report', async () => {
    const { result } = await register(new Map([[`${ROOT}1.csv`, text('~id,~label\nc-1,customer\n')]]), 'CSV');
    expect(result.failed[0]?.reason).toMatch(/directly in the export's folder/);
  });
});
