import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatBytes, renderPrune } from '#bin/prune.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs the real bin shim with no AWS settings from the developer's shell (input errors exit before any call). */
async function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AWS_|EXPORT_|STATE_MACHINE_ARN|GLUE_)/.test(k)),
  );
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin/rds-export.js'), ...args],
      {
        cwd: root,
        env: { ...clean, ...env },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('rds-export prune', () => {
  it('exits 2 naming the option when the bucket is missing or invalid', async () => {
    expect(await run(['prune', '--dry-run'])).toMatchObject({
      code: 2,
      stderr: 'rds-export prune: --bucket <name> (or EXPORT_BUCKET) is required\n',
    });
    const invalid = await run(['prune', '--dry-run', '--bucket', 'Not_A_Bucket']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(
      /^rds-export prune: --bucket \(or EXPORT_BUCKET\) "Not_A_Bucket": must be an S3 bucket name/,
    );
  });

  it('refuses to delete without the state machine that tells which exports still run', async () => {
    const out = await run(['prune', '--bucket', 'exports-bucket']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--state-machine-arn <arn> \(or STATE_MACHINE_ARN\) is required to delete/);
  });

  it('exits 2 naming the option when the ledger table name is invalid', async () => {
    const out = await run(['prune', '--dry-run', '--bucket', 'exports-bucket', '--exports-table', 'a b']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--exports-table \(or EXPORTS_TABLE\) "a b": must be a DynamoDB table name/);
  });

  it('exits 2 on an invalid policy, naming the field', async () => {
    const out = await run(['prune', '--dry-run', '--bucket', 'exports-bucket', '--policy', 'missing.yml']);
    expect(out).toMatchObject({ code: 2 });
    expect(out.stderr).toMatch(/missing\.yml: cannot read the policy file/);
  });

  it('exits 2 on an --account or --source-region that is no glob of one, and without the state machine that names sources', async () => {
    const base = ['prune', '--dry-run', '--bucket', 'exports-bucket'];
    const account = await run([...base, '--account', 'team-a']);
    expect(account.code).toBe(2);
    expect(account.stderr).toMatch(/--account "team-a": a 12-digit account ID, or a glob of one \(1111\*\)/);
    const region = await run([...base, '--source-region', 'Europe']);
    expect(region.code).toBe(2);
    expect(region.stderr).toMatch(/--source-region "Europe": a Region name, or a glob of one \(eu-\*\)/);
    const machine = await run([...base, '--account', '222222222222']);
    expect(machine.code).toBe(2);
    expect(machine.stderr).toMatch(/--account and --source-region need --state-machine-arn <arn>/);
  });

  it('is listed with the other commands', async () => {
    expect((await run(['--help'])).stdout).toMatch(
      /^ {2}prune +delete the exports beyond each rule's retention/m,
    );
  });
});

describe('renderPrune', () => {
  it('lists each export that would go with its size, prefixes and partitions', () => {
    const text = renderPrune({
      dryRun: true,
      sources: 1,
      kept: 2,
      refused: 0,
      notes: [],
      complete: true,
      exports: [
        {
          database: 'rds_export_db_orders',
          exportTaskIdentifier: 'e1',
          snapshotTime: '2026-01-01T00:00:00Z',
          rule: 'keep-two',
          prefixes: ['s3://b/exports/orders/e1/'],
          objects: 3,
          bytes: 1536,
          partitions: 2,
        },
      ],
    });
    expect(text).toBe(
      [
        'Would delete 1 export(s): 3 objects, 1.5 KiB; kept 2 (1 source(s))',
        '  rds_export_db_orders  e1  2026-01-01T00:00:00Z  rule keep-two  3 objects  1.5 KiB  2 partition(s)',
        '    s3://b/exports/orders/e1/',
      ].join('\n'),
    );
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });

  it('counts the exports left alone because their partitions failed the check, and says why', () => {
    const reason = 'rds_export_db_orders/e1 left alone: no execution e1 of this deployment';
    const text = renderPrune({
      dryRun: false,
      sources: 1,
      kept: 3,
      refused: 1,
      notes: [reason],
      complete: true,
      exports: [],
    });
    expect(text).toBe(
      [
        'Deleted 0 export(s): 0 objects, 0 B; kept 3 (1 source(s)); 1 left alone, see the notes',
        `Note: ${reason}`,
      ].join('\n'),
    );
  });
});
