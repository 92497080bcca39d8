import { describe, expect, it } from 'vitest';
import {
  actionsOf,
  allStatements,
  asList,
  grantedActions,
  packagedService,
  roleStatements,
} from './cloudformation.ts';
import { S3_ACTIONS, sdkOperations } from './sdk-calls.ts';

const packaged = packagedService();
const calls = sdkOperations('functions/prune');

const granted = (prefix: string) => grantedActions(packaged.template, 'PruneRole', prefix);

/** IAM's service prefix of each SDK client prune uses. */
const PREFIX: Record<string, string> = { glue: 'glue', s3: 's3', sfn: 'states', dynamodb: 'dynamodb' };
const derived = (service: string) =>
  [...(calls.get(service) ?? [])].map((o) => `${PREFIX[service]}:${o}`).sort();

describe('the prune role, against the calls its code makes', () => {
  it('grants exactly the Glue, S3, Step Functions and DynamoDB actions functions/prune calls', () => {
    expect([...calls.keys()].sort()).toEqual(['dynamodb', 'glue', 's3', 'sfn']);
    expect(granted('glue:')).toEqual(derived('glue'));
    const s3 = [...(calls.get('s3') ?? [])];
    expect(
      s3.filter((o) => !Object.hasOwn(S3_ACTIONS, o)),
      'add these S3 operations to S3_ACTIONS',
    ).toEqual([]);
    // DeleteObjects naming a VersionId needs s3:DeleteObjectVersion as well (S3 API reference,
    // DeleteObjects, Permissions): prune deletes every version, so a versioned bucket keeps none.
    expect(granted('s3:')).toEqual(
      [...new Set([...s3.map((o) => S3_ACTIONS[o]), 's3:DeleteObjectVersion'])].sort(),
    );
    expect(granted('states:')).toEqual(derived('sfn'));
    expect(granted('dynamodb:')).toEqual(derived('dynamodb'));
  });

  it("describes only this state machine's executions, and reads only the ledger's export records", () => {
    const statements = roleStatements(packaged.template, 'PruneRole');
    const [describe] = statements.filter((s) => actionsOf(s).includes('states:DescribeExecution'));
    expect(JSON.stringify(describe?.Resource)).toMatch(/:execution:rds-export-[a-z]+-export:\*"/);
    const [ledger] = statements.filter((s) => actionsOf(s).includes('dynamodb:GetItem'));
    expect(ledger?.Resource).toEqual({ 'Fn::GetAtt': ['ExportsTable', 'Arn'] });
    expect(ledger?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['export#*'] },
    });
    const key = statements.filter((s) => s.Sid === 'UseEncryptedStateTable');
    expect(key).toHaveLength(1);
  });

  it('is the only role that may delete export objects or history partitions', () => {
    const deleters = allStatements(packaged.template)
      .filter(({ statement }) =>
        actionsOf(statement).some((a) =>
          ['s3:DeleteObject', 's3:DeleteObjectVersion', 'glue:BatchDeletePartition'].includes(a),
        ),
      )
      .map(({ resource }) => resource);
    expect([...new Set(deleters)]).toEqual(['PruneRole']);
  });

  it('deletes only in the export bucket and the prefix databases', () => {
    const statements = roleStatements(packaged.template, 'PruneRole');
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
    const rules = Object.entries(packaged.template.Resources).filter(
      ([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.ScheduleExpression !== undefined,
    );
    expect(rules.map(([, r]) => r.Properties.ScheduleExpression)).toEqual(['cron(15 3 * * ? *)']);
    const [rule] = rules.map(([, r]) => r.Properties);
    expect(JSON.stringify(rule?.Targets)).toContain('PruneLambdaFunction');
    const invokers = Object.values(packaged.template.Resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Permission' &&
        JSON.stringify(r.Properties.FunctionName).includes('PruneLambdaFunction'),
    );
    expect(invokers.map((r) => r.Properties.Principal)).toEqual(['events.amazonaws.com']);
  });
});
