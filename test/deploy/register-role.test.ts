import { describe, expect, it } from 'vitest';
import { PROGRESS_FILE } from '#functions/register-export/graph-progress.ts';
import { REPORT_FILE } from '#functions/register-export/report.ts';
import { actionsOf, grantedActions, packagedService, roleStatements } from './cloudformation.ts';
import { S3_ACTIONS, sdkOperations } from './sdk-calls.ts';

const packaged = packagedService();
const calls = sdkOperations('functions/register-export');

const granted = (prefix: string) => grantedActions(packaged.template, 'RegisterExportRole', prefix);

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

  it('may write only the registration report and the graph progress record, by their file names, into the export bucket', () => {
    const puts = roleStatements(packaged.template, 'RegisterExportRole').filter((st) =>
      actionsOf(st).includes('s3:PutObject'),
    );
    const resources = JSON.stringify(puts.map((st) => st.Resource));
    expect(puts.flatMap(actionsOf)).toEqual(['s3:PutObject']);
    expect(resources).toContain(`/*/${REPORT_FILE}`);
    expect(resources).toContain(`/*/${PROGRESS_FILE}`);
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
