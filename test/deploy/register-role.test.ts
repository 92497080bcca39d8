import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_FILE } from '../../functions/register-export/report.ts';
import {
  actionsOf,
  readTemplate,
  roleStatements,
  serviceCopy,
  slsPackage,
  type Template,
} from './cloudformation.ts';
import { sdkOperations } from './sdk-calls.ts';

/**
 * The IAM action each S3 operation is authorized by (Service Authorization Reference, Amazon S3):
 * unlike Glue's, S3's action names are not always the operation's. An operation missing here fails
 * the test until it is added.
 */
const S3_ACTIONS: Record<string, string> = {
  GetObject: 's3:GetObject',
  HeadObject: 's3:GetObject',
  ListObjectsV2: 's3:ListBucket',
  PutObject: 's3:PutObject',
  DeleteObject: 's3:DeleteObject',
};

const temp: string[] = [];
let template: Template;
const calls = sdkOperations('functions/register-export');

beforeAll(async () => {
  const dir = serviceCopy();
  const out = mkdtempSync(path.join(tmpdir(), 'rds-export-package-'));
  temp.push(dir, out);
  const result = await slsPackage(dir, out);
  if (result.code !== 0) throw new Error(`serverless package failed:\n${result.output}`);
  template = readTemplate(out);
});

afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

const granted = (prefix: string) =>
  [
    ...new Set(
      roleStatements(template, 'RegisterExportRole')
        .flatMap(actionsOf)
        .filter((a) => a.startsWith(prefix)),
    ),
  ].sort();

describe('the register-export role, against the calls its code makes', () => {
  it('finds the Glue and S3 calls in the code it scans', () => {
    expect([...(calls.get('glue') ?? [])]).toContain('CreateTable');
    expect([...(calls.get('s3') ?? [])]).toContain('GetObject');
  });

  it('grants exactly the Glue actions functions/register-export calls', () => {
    const called = [...(calls.get('glue') ?? [])].map((operation) => `glue:${operation}`).sort();
    expect(granted('glue:')).toEqual(called);
  });

  it('grants exactly the S3 actions functions/register-export calls', () => {
    const operations = [...(calls.get('s3') ?? [])];
    const unmapped = operations.filter((operation) => !Object.hasOwn(S3_ACTIONS, operation));
    expect(unmapped, 'add these S3 operations to S3_ACTIONS').toEqual([]);
    const called = [...new Set(operations.map((operation) => S3_ACTIONS[operation]))].sort();
    expect(granted('s3:')).toEqual(called);
  });

  it('may write only the registration report, by its file name, into the export bucket', () => {
    const puts = roleStatements(template, 'RegisterExportRole').filter((st) =>
      actionsOf(st).includes('s3:PutObject'),
    );
    const resources = JSON.stringify(puts.map((st) => st.Resource));
    expect(puts.flatMap(actionsOf)).toEqual(['s3:PutObject']);
    expect(resources).toContain(`/*/${REPORT_FILE}`);
    expect(resources).not.toMatch(/\/\*"/);
  });

  it('may read the encrypted exports, and write to the bucket only if the code does', () => {
    // Reading SSE-KMS objects needs kms:Decrypt; writing them needs a data key as well.
    const writes = (calls.get('s3') ?? new Set()).has('PutObject');
    expect(granted('kms:')).toEqual(writes ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt']);
  });

  it('calls no other AWS service', () => {
    expect([...calls.keys()].sort()).toEqual(['glue', 's3']);
  });
});
