import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { type PruneDeps, prune } from '#functions/prune/prune.ts';
import { P, ROLES } from '#shared/contract/catalog.ts';
import { parsePolicy } from '#shared/policy/load.ts';
import { MemoryGlue } from '#testkit/memory-glue.ts';
import { memoryS3 } from '#testkit/memory-s3.ts';

/**
 * prune against the in-memory Glue and S3 that bench/prune.bench.ts counts with: what it sends, per
 * operation, for exports larger than one page.
 */

const sfnMock = mockClient(SFNClient);
const DB = 'rds_export_shop';
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:m';
const TABLES = ['a', 'b', 'c'];
const EXPORTS = ['e1', 'e2', 'e3'];
const FILES_PER_TABLE = 500;
const policy = parsePolicy(
  'version: 1\nrules:\n  - name: keep-one\n    action: export\n    export: { retention: { keepExports: 1 } }\n',
  'p.yml',
);

function catalog(latencyMs = 0): MemoryGlue {
  const glue = new MemoryGlue(latencyMs);
  glue.databases.add(DB);
  for (const t of TABLES) {
    glue.tables.set(`${DB}/shop_${t}`, {
      Name: `shop_${t}`,
      Parameters: { [P.role]: ROLES.latest, [P.exportId]: 'e3' },
    });
    glue.tables.set(`${DB}/shop_${t}_history`, {
      Name: `shop_${t}_history`,
      Parameters: { [P.role]: ROLES.history },
    });
    glue.partitions.set(
      `${DB}/shop_${t}_history`,
      EXPORTS.map((id, i) => ({
        Values: [id, `2026-01-0${i + 1}T00:00:00Z`],
        StorageDescriptor: { Location: `s3://exports/x/${id}/shop/public.${t}/` },
        Parameters: { [P.rule]: 'keep-one' },
      })),
    );
  }
  return glue;
}

function objects(): Map<string, Uint8Array> {
  const all = new Map<string, Uint8Array>();
  for (const id of EXPORTS)
    for (const t of TABLES)
      for (let f = 0; f < FILES_PER_TABLE; f++)
        all.set(
          `x/${id}/shop/public.${t}/1/part-${String(f).padStart(5, '0')}.gz.parquet`,
          new Uint8Array(8),
        );
  return all;
}

const byOperation = (calls: readonly string[]) =>
  calls.reduce<Record<string, number>>((n, c) => {
    const op = c.replace(/Command$/, '');
    n[op] = (n[op] ?? 0) + 1;
    return n;
  }, {});

afterEach(() => sfnMock.reset());

describe('prune, counted by the in-memory Glue and S3', () => {
  it("deletes each export's 1,500 versions in two DeleteObjects requests, then both exports' partitions of a table in one BatchDeletePartition", async () => {
    const { glue, s3, stored, deps, partitionsLeft } = setup();
    const result = await prune(deps(), false);

    expect(result.exports.map((e) => [e.exportTaskIdentifier, e.objects, e.partitions])).toEqual([
      ['e2', 1500, 3],
      ['e1', 1500, 3],
    ]);
    expect(byOperation(s3.calls)).toEqual({ ListObjectVersions: 4, DeleteObjects: 4 });
    expect(byOperation(glue.calls)).toEqual({
      GetDatabases: 1,
      GetTables: 1,
      GetPartitions: 3,
      // One per table: BatchDeletePartition takes up to 25 partitions of one table (Glue API reference),
      // and the two pruned exports' partitions of each table go together.
      BatchDeletePartition: 3,
    });
    expect([...stored.keys()].every((k) => k.startsWith('x/e3/'))).toBe(true);
    expect(stored.size).toBe(1500);
    expect(partitionsLeft()).toEqual([['e3'], ['e3'], ['e3']]);
  });

  /** prune over the catalog and bucket above, every export's execution ended where it was started. */
  function setup(options: { latencyMs?: number } = {}) {
    sfnMock.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => ({
      status: 'SUCCEEDED',
      input: JSON.stringify({
        source: { kind: 'db-snapshot' },
        request: { S3BucketName: 'exports', S3Prefix: 'x' },
      }),
      executionArn: input.executionArn,
    }));
    const glue = catalog(options.latencyMs);
    const stored = objects();
    const s3 = memoryS3(stored, { versioned: true, latencyMs: options.latencyMs });
    const deps = (over: Partial<PruneDeps> = {}): PruneDeps => ({
      glue,
      s3,
      ownership: { sfn: new SFNClient({ region: 'us-east-1' }), stateMachineArn: MACHINE },
      policy,
      databasePrefix: 'rds_export_',
      buckets: new Set(['exports']),
      now: () => new Date('2026-01-10T00:00:00Z'),
      ...over,
    });
    const partitionsLeft = () =>
      TABLES.map((t) => glue.partitions.get(`${DB}/shop_${t}_history`)?.map((p) => p.Values?.[0]));
    return { glue, s3, stored, deps, partitionsLeft };
  }

  /** The most requests a client had in flight at once. */
  function peakOf(client: { send: (command: never) => Promise<unknown> }) {
    const send = client.send.bind(client);
    const seen = { now: 0, peak: 0 };
    Object.assign(client, {
      async send(command: never) {
        seen.now++;
        seen.peak = Math.max(seen.peak, seen.now);
        try {
          return await send(command);
        } finally {
          seen.now--;
        }
      },
    });
    return seen;
  }

  it('keeps at most the configured requests in flight per service, with the same result as one at a time', async () => {
    const one = setup();
    const sequential = await prune(one.deps({ concurrency: { glue: 1, s3: 1, ownership: 1 } }), false);
    const many = setup({ latencyMs: 2 });
    const glue = peakOf(many.glue);
    const s3 = peakOf(many.s3);
    const result = await prune(many.deps({ concurrency: { glue: 3, s3: 2, ownership: 2 } }), false);
    expect(result).toEqual(sequential);
    expect(result.complete).toBe(true);
    // Three history tables read and three tables' partitions deleted at once; two exports' files.
    expect(glue.peak).toBe(3);
    expect(s3.peak).toBe(2);
    expect(many.stored.size).toBe(1500);
    expect(many.partitionsLeft()).toEqual([['e3'], ['e3'], ['e3']]);
  });

  // Requests in order, one at a time: GetDatabases, GetTables, 3 GetPartitions (5); e2's 2
  // ListObjectVersions and 2 DeleteObjects (9); e1's (13); 3 BatchDeletePartition (16).
  const oneAtATime = { glue: 1, s3: 1, ownership: 1 };
  /** A clock that runs out once `requests` requests were sent: none starts after them. */
  const timeFor = (sent: () => number, requests: number) => ({
    concurrency: oneAtATime,
    remainingMs: () => requests - sent(),
    reserveMs: 1,
  });

  it('stops starting requests before its time limit, deletes nothing of an export whose listing it cut, and the next run finishes', async () => {
    const { glue, s3, stored, deps, partitionsLeft } = setup();
    const sent = () => glue.calls.length + s3.calls.length;
    const cut = await prune(deps(timeFor(sent, 10)), false);
    expect(cut).toMatchObject({ complete: false, exports: [], kept: 3 });
    expect(cut.notes).toEqual([
      `${DB}/e2: stopped before the time limit; the next run deletes its partitions left`,
      `${DB}/e1: stopped before the time limit; the next run deletes it`,
    ]);
    // e2's files are gone; e1's first page was listed, and then no request started.
    expect(s3.calls).toEqual([
      'ListObjectVersions',
      'ListObjectVersions',
      'DeleteObjects',
      'DeleteObjects',
      'ListObjectVersions',
    ]);
    expect([...stored.keys()].filter((k) => k.startsWith('x/e2/'))).toEqual([]);
    expect([...stored.keys()].filter((k) => k.startsWith('x/e1/'))).toHaveLength(1500);
    expect(partitionsLeft()).toEqual([
      ['e1', 'e2', 'e3'],
      ['e1', 'e2', 'e3'],
      ['e1', 'e2', 'e3'],
    ]);

    const next = await prune(deps(), false);
    expect(next.complete).toBe(true);
    expect(next.exports.map((e) => [e.exportTaskIdentifier, e.objects])).toEqual([
      ['e2', 0],
      ['e1', 1500],
    ]);
    expect(stored.size).toBe(1500);
    expect(partitionsLeft()).toEqual([['e3'], ['e3'], ['e3']]);
  });

  it('leaves the partitions it had no time for to the next run, which finds them', async () => {
    const { glue, s3, deps, partitionsLeft } = setup();
    const sent = () => glue.calls.length + s3.calls.length;
    const cut = await prune(deps(timeFor(sent, 14)), false);
    expect(cut.complete).toBe(false);
    expect(cut.notes).toEqual([
      `${DB}/e2: stopped before the time limit; the next run deletes its partitions left`,
      `${DB}/e1: stopped before the time limit; the next run deletes its partitions left`,
    ]);
    expect(partitionsLeft()).toEqual([['e3'], ['e1', 'e2', 'e3'], ['e1', 'e2', 'e3']]);
    const before = glue.calls.length;
    const next = await prune(deps(), false);
    expect(next.exports.map((e) => [e.exportTaskIdentifier, e.objects, e.partitions])).toEqual([
      ['e2', 0, 2],
      ['e1', 0, 2],
    ]);
    expect(glue.calls.slice(before).filter((c) => c === 'BatchDeletePartitionCommand')).toHaveLength(2);
    expect(partitionsLeft()).toEqual([['e3'], ['e3'], ['e3']]);
  });

  it('does not start a source once its time is up, and says which sources the next run prunes', async () => {
    const { glue, s3, deps } = setup();
    const result = await prune(deps({ remainingMs: () => 1000, reserveMs: 2000 }), false);
    expect(result).toMatchObject({ complete: false, sources: 1, exports: [], kept: 0 });
    expect(result.notes).toEqual([
      `stopped before the time limit: 1 source(s) not pruned (${DB}); the next run prunes them`,
    ]);
    expect(glue.calls).toEqual(['GetDatabasesCommand']);
    expect(s3.calls).toEqual([]);
  });

  it('pages versions and delete markers by key and version markers, each entry once', async () => {
    const stored = new Map([
      ['p/a', new Uint8Array(1)],
      ['p/b', new Uint8Array(2)],
      ['q/c', new Uint8Array(3)],
    ]);
    const s3 = memoryS3(stored, { versioned: true });
    s3.versions.get('p/a')?.push({ versionId: 'a-old', body: new Uint8Array(4) }, { versionId: 'a-oldest' });
    const seen: string[] = [];
    let markers: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (let page = 0; page < 5; page++) {
      const out = await s3.send(
        new ListObjectVersionsCommand({ Bucket: 'b', Prefix: 'p/', MaxKeys: 2, ...markers }),
      );
      for (const v of out.Versions ?? []) seen.push(`${v.Key}@${v.VersionId}${v.IsLatest ? ' latest' : ''}`);
      for (const m of out.DeleteMarkers ?? []) seen.push(`${m.Key}@${m.VersionId} marker`);
      if (!out.IsTruncated) break;
      markers = { KeyMarker: out.NextKeyMarker, VersionIdMarker: out.NextVersionIdMarker };
    }
    expect(seen.sort()).toEqual([
      'p/a@a-old',
      'p/a@a-oldest marker',
      'p/a@v00000001 latest',
      'p/b@v00000002 latest',
    ]);
    expect(s3.calls).toEqual(['ListObjectVersions', 'ListObjectVersions']);
  });
});
