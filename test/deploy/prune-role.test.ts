import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOf,
  allStatements,
  asList,
  readTemplate,
  roleStatements,
  serviceCopy,
  slsPackage,
  type Template,
} from './cloudformation.ts';
import { sdkOperations } from './sdk-calls.ts';

/** The IAM action each S3 operation prune calls is authorized by (Service Authorization Reference, Amazon S3). */
const S3_ACTIONS: Record<string, string> = {
  ListObjectsV2: 's3:ListBucket',
  DeleteObject: 's3:DeleteObject',
};

const temp: string[] = [];
let template: Template;
const calls = sdkOperations('functions/prune');

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
      roleStatements(template, 'PruneRole')
        .flatMap(actionsOf)
        .filter((a) => a.startsWith(prefix)),
    ),
  ].sort();

describe('the prune role, against the calls its code makes', () => {
  it('grants exactly the Glue, S3 and Step Functions actions functions/prune calls', () => {
    expect([...calls.keys()].sort()).toEqual(['glue', 's3', 'sfn']);
    expect(granted('glue:')).toEqual([...(calls.get('glue') ?? [])].map((o) => `glue:${o}`).sort());
    const s3 = [...(calls.get('s3') ?? [])];
    expect(
      s3.filter((o) => !Object.hasOwn(S3_ACTIONS, o)),
      'add these S3 operations to S3_ACTIONS',
    ).toEqual([]);
    expect(granted('s3:')).toEqual([...new Set(s3.map((o) => S3_ACTIONS[o]))].sort());
    expect(granted('states:')).toEqual(['states:ListExecutions']);
  });

  it('is the only role that may delete export objects or history partitions', () => {
    const deleters = allStatements(template)
      .filter(({ statement }) =>
        actionsOf(statement).some((a) => ['s3:DeleteObject', 'glue:BatchDeletePartition'].includes(a)),
      )
      .map(({ resource }) => resource);
    expect([...new Set(deleters)]).toEqual(['PruneRole']);
  });

  it('deletes only in the export bucket and the prefix databases', () => {
    const statements = roleStatements(template, 'PruneRole');
    const [objects] = statements.filter((s) => actionsOf(s).includes('s3:DeleteObject'));
    expect(JSON.stringify(objects?.Resource)).toContain('ExportBucket');
    expect(JSON.stringify(objects?.Resource)).not.toMatch(/"arn:aws:s3:::\*"|"\*"/);
    const [partitions] = statements.filter((s) => actionsOf(s).includes('glue:BatchDeletePartition'));
    const resources = asList(partitions?.Resource).map((r) => JSON.stringify(r));
    expect(resources.filter((r) => r.includes(':database/') || r.includes(':table/'))).toEqual([
      expect.stringContaining(':database/rds_export_*'),
      expect.stringContaining(':table/rds_export_*/*'),
    ]);
  });

  it('runs daily from an EventBridge rule that alone may invoke prune', () => {
    const rules = Object.entries(template.Resources).filter(
      ([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.ScheduleExpression !== undefined,
    );
    expect(rules.map(([, r]) => r.Properties.ScheduleExpression)).toEqual(['cron(15 3 * * ? *)']);
    const [rule] = rules.map(([, r]) => r.Properties);
    expect(JSON.stringify(rule?.Targets)).toContain('PruneLambdaFunction');
    const invokers = Object.values(template.Resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' &&
        JSON.stringify(r.Properties.FunctionName).includes('PruneLambdaFunction'),
    );
    expect(invokers.map((r) => r.Properties.Principal)).toEqual(['events.amazonaws.com']);
  });
});
