import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KMS_KEY_ARN_RULE, KMS_KEY_RULE } from '#shared/aws/kms.ts';
import {
  detailTypesOf,
  EXPORT_ENDED_EVENTS,
  idsOf,
  SNAPSHOT_READY_EVENTS,
} from '#shared/sources/rds/events.ts';
import {
  actionsOf,
  allStatements,
  asList,
  condition,
  dependencyCycle,
  packageService,
  type Resource,
  readTemplate,
  resolveIfs,
  roleStatements,
  type Statement,
  serviceCopy,
  slsPackage,
  type Template,
} from './cloudformation.ts';
import { sdkOperations } from './sdk-calls.ts';

const EXISTING = {
  existingBucketName: 'existing-export-bucket',
  existingKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
  existingExportRoleArn: 'arn:aws:iam::123456789012:role/existing-export-role',
};
const FUNCTION_ROLES = [
  'OnSnapshotRole',
  'OnScheduleRole',
  'StartExportRole',
  'CheckExportRole',
  'RegisterExportRole',
  'NotifyRole',
];
const EXPORT_KEY_ARN = { 'Fn::GetAtt': ['ExportKey', 'Arn'] };
const EXPORT_ROLE_ARN = { 'Fn::GetAtt': ['ExportRole', 'Arn'] };

const temp: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temp.push(dir);
  return dir;
};
let created: Template;
let existing: Template;
let createdCore: Template;
let createdOut: string;
let invalid: { code: number | null; output: string };
let aliasRule: { code: number | null; output: string };
let aliasParameter: { code: number | null; output: string };

/** A policy file in a temp dir with one export rule whose `export` settings are the given YAML. */
const policyWithExport = (settings: string) => {
  const file = path.join(tempDir('rds-export-policy-'), 'export-policy.yml');
  writeFileSync(
    file,
    `version: 1\nrules:\n  - name: all\n    action: export\n    export:\n      ${settings}\n`,
  );
  return file;
};

// Five packagings, run at once (different service dirs): the repo as is (shared with the other
// files that read it, see packageService), the repo with existing bucket/key/role and a policy
// naming its own destinations, an invalid policy, a policy naming its key by alias, and an existing
// key given by alias. The last three fail before bundling.
beforeAll(async () => {
  const existingOut = tempDir('rds-export-package-');
  const existingDir = serviceCopy(path.join(import.meta.dirname, 'own-destinations-policy.yml'));
  const invalidDir = serviceCopy(policyWithExport('maxConcurrentExports: 9'));
  const aliasRuleDir = serviceCopy(policyWithExport('kmsKey: alias/archive-exports'));
  const aliasParameterDir = serviceCopy();
  temp.push(existingDir, invalidDir, aliasRuleDir, aliasParameterDir);
  const [first, second, third, fourth, fifth] = await Promise.all([
    packageService(),
    slsPackage(existingDir, existingOut, EXISTING),
    slsPackage(invalidDir, tempDir('rds-export-package-')),
    slsPackage(aliasRuleDir, tempDir('rds-export-package-')),
    slsPackage(aliasParameterDir, tempDir('rds-export-package-'), {
      ...EXISTING,
      existingKmsKeyArn: 'alias/rds-export',
    }),
  ]);
  if (second.code !== 0)
    throw new Error(`serverless package with existing resources failed:\n${second.output}`);
  createdOut = first.outDir;
  created = first.template;
  createdCore = readTemplate(createdOut, 'create');
  existing = readTemplate(existingOut);
  invalid = third;
  aliasRule = fourth;
  aliasParameter = fifth;
});

afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

const resource = (t: Template, id: string) => {
  const r = t.Resources[id];
  if (r === undefined) throw new Error(`template has no ${id}`);
  return r;
};
const statementWith = (statements: Statement[], action: string) =>
  statements.filter((s) => actionsOf(s).includes(action));

/** A resource CloudFormation creates: no Condition, or one that holds. */
const exists = (t: Template, r: Resource) => r.Condition === undefined || condition(t, r.Condition);

/**
 * The one EventBridge rule the stack creates matching events of `source` (and of `eventId`, for
 * aws.rds's two rules); the hub bus's rules (resources/organization.yml) exist only with members.
 */
const ruleFor = (
  t: Template,
  source: string,
  eventId = source === 'aws.rds' ? SNAPSHOT_READY_EVENTS[0]?.id : undefined,
) => {
  const rules = Object.entries(t.Resources).filter(([, r]) => {
    if (r.Type !== 'AWS::Events::Rule' || !exists(t, r)) return false;
    const pattern = r.Properties.EventPattern as
      | { source?: string[]; detail?: { EventID?: string[] } }
      | undefined;
    if (!asList(pattern?.source).includes(source)) return false;
    return eventId === undefined || asList(pattern?.detail?.EventID).includes(eventId);
  });
  expect(rules.map(([id]) => id)).toHaveLength(1);
  return (rules[0] as [string, Resource])[1].Properties;
};
const INTAKE_TARGET = {
  Arn: { 'Fn::GetAtt': ['OnSnapshotLambdaFunction', 'Arn'] },
  RetryPolicy: { MaximumRetryAttempts: 24, MaximumEventAgeInSeconds: 86400 },
  DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['OnSnapshotDeadLetterQueue', 'Arn'] } },
};
const ruleArn = (name: unknown) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${String(name)}`,
});

describe('serverless package', () => {
  // The IDs are the intake's own list (shared/sources/rds/events.ts, pinned to the RDS documentation in
  // test/unit/shared/sources/rds/events.test.ts): a rule matching other events than the functions handle fails.
  it('routes RDS snapshot-created and snapshot-copied events to onSnapshot by event ID', () => {
    const rule = ruleFor(created, 'aws.rds');
    expect(rule.EventPattern).toEqual({
      source: ['aws.rds'],
      'detail-type': detailTypesOf(SNAPSHOT_READY_EVENTS),
      detail: { EventID: idsOf(SNAPSHOT_READY_EVENTS) },
    });
    expect(rule.Targets).toEqual([expect.objectContaining(INTAKE_TARGET)]);
  });

  it('routes completed AWS Backup jobs for RDS and Aurora to onSnapshot', () => {
    const rule = ruleFor(created, 'aws.backup');
    expect(rule.EventPattern).toEqual({
      source: ['aws.backup'],
      'detail-type': ['Backup Job State Change'],
      detail: { state: ['COMPLETED'], resourceType: ['RDS', 'Aurora'] },
    });
    expect(rule.Targets).toEqual([expect.objectContaining(INTAKE_TARGET)]);
  });

  it('lets exactly the intake rules invoke onSnapshot and dead-letter into its queue', () => {
    const names = ['aws.rds', 'aws.backup'].map((source) => ruleFor(created, source).Name);
    const policy = resource(created, 'OnSnapshotDeadLetterQueuePolicy').Properties.PolicyDocument as {
      Statement: Statement[];
    };
    const [deadLetters] = policy.Statement.filter((s) => s.Principal !== undefined);
    expect(resolveIfs(created, deadLetters?.Condition)).toEqual({
      ArnEquals: { 'aws:SourceArn': names.map(ruleArn) },
    });
    const invokers = Object.values(created.Resources)
      .filter(
        (r) =>
          r.Type === 'AWS::Lambda::Permission' &&
          exists(created, r) &&
          r.Properties.Principal === 'events.amazonaws.com' &&
          JSON.stringify(r.Properties.FunctionName).includes('OnSnapshotLambdaFunction'),
      )
      .map((r) => JSON.stringify(r.Properties.SourceArn));
    expect(invokers).toHaveLength(names.length);
    for (const name of names) expect(invokers.some((arn) => arn.includes(`"rule","${name}"`))).toBe(true);
  });

  it('keeps events onSnapshot failed on in a dead-letter queue after retrying', () => {
    const config = resource(created, 'OnSnapshotLambdaEvConf').Properties;
    expect(config.MaximumRetryAttempts).toBe(2);
    expect(config.DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': ['OnSnapshotDeadLetterQueue', 'Arn'] } },
    });
  });

  it('builds the state machine from the ASL file with all five function ARNs substituted', () => {
    const definition = resource(created, 'ExportStateMachine').Properties.DefinitionString as {
      'Fn::Sub': [string, Record<string, unknown>];
    };
    const [text, substitutions] = definition['Fn::Sub'];
    const functions = Object.values(substitutions).map(
      (v) => (v as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
    );
    expect(functions.sort()).toEqual([
      'CheckExportLambdaFunction',
      'NotifyLambdaFunction',
      'RegisterExportLambdaFunction',
      'StartExportLambdaFunction',
      'WaitsLambdaFunction',
    ]);
    expect(text).not.toMatch(/\$\{\w*FunctionArn\}/);
    const asl = JSON.parse(text.replace(/\$\{(\w+)\}/g, 'arn:aws:lambda:eu-west-1:123456789012:function:$1'));
    expect(asl.StartAt).toBe('Start export');
    expect(asl.TimeoutSeconds).toBeGreaterThan(0);
  });

  it('gives rds:StartExportTask, kms:CreateGrant and iam:PassRole to the start function alone', () => {
    for (const role of FUNCTION_ROLES.filter((r) => r !== 'StartExportRole')) {
      const actions = roleStatements(created, role).flatMap(actionsOf);
      expect(actions).not.toContain('rds:StartExportTask');
      expect(actions).not.toContain('kms:CreateGrant');
      expect(actions).not.toContain('iam:PassRole');
    }
    expect(statementWith(roleStatements(created, 'StartExportRole'), 'rds:StartExportTask')).toHaveLength(1);
  });

  it("scopes rds:StartExportTask to the account's snapshots, cluster snapshots and clusters, in any Region", () => {
    // Any Region: the regional stacks (serverless.region.yml) forward the account's other Regions.
    const [start] = statementWith(roleStatements(created, 'StartExportRole'), 'rds:StartExportTask');
    expect(actionsOf(start as Statement)).toEqual(['rds:StartExportTask']);
    expect(asList(start?.Resource)).toEqual(
      ['snapshot', 'cluster-snapshot', 'cluster'].map((type) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:rds:*:\${AWS::AccountId}:${type}:*`,
      })),
    );
    const [describe] = statementWith(roleStatements(created, 'OnSnapshotRole'), 'rds:DescribeDBSnapshots');
    expect(asList(describe?.Resource)).toEqual(
      ['snapshot', 'cluster-snapshot', 'db', 'cluster'].map((type) => ({
        'Fn::Sub': `arn:\${AWS::Partition}:rds:*:\${AWS::AccountId}:${type}:*`,
      })),
    );
  });

  it('scopes the start function key use to the export key and PassRole to the export role for RDS only', () => {
    const statements = roleStatements(created, 'StartExportRole');
    const [kms] = statementWith(statements, 'kms:CreateGrant');
    expect(actionsOf(kms as Statement).sort()).toEqual(['kms:CreateGrant', 'kms:DescribeKey']);
    expect(asList(kms?.Resource)).toContainEqual(EXPORT_KEY_ARN);
    expect(asList(kms?.Resource)).not.toContain('*');
    const [pass] = statementWith(statements, 'iam:PassRole');
    expect(asList(pass?.Resource)).toContainEqual(EXPORT_ROLE_ARN);
    expect(asList(pass?.Resource)).not.toContain('*');
    // RDS checks its passes as rds.amazonaws.com (NeptuneFullAccess in the Neptune user guide,
    // mitodl/ol-infrastructure#5874) and AWS pins no value for StartExportTask: both are accepted.
    expect(pass?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': ['rds.amazonaws.com', 'export.rds.amazonaws.com'] },
    });
  });

  it('grants no "Action": "*" and "Resource": "*" only where IAM offers nothing narrower', () => {
    const statements = allStatements(created);
    expect(statements.filter(({ statement }) => asList(statement.Action).includes('*'))).toEqual([]);
    const wildcard = statements.filter(({ statement }) => asList(statement.Resource).includes('*'));
    for (const { resource: id, statement } of wildcard) {
      // In a key policy "*" means the key itself; DescribeExportTasks is called without naming a
      // source (the account-wide count), so it has nothing narrower to be scoped to.
      const keyPolicy = resource(created, id).Type === 'AWS::KMS::Key';
      const describeTasks = actionsOf(statement).every((a) => a === 'rds:DescribeExportTasks');
      // Task tokens name no resource: SendTask* takes no resource-level scope.
      const taskTokens = actionsOf(statement).every((a) =>
        /^states:SendTask(Success|Failure|Heartbeat)$/.test(a),
      );
      expect({ id, statement, justified: keyPolicy || describeTasks || taskTokens }).toMatchObject({
        justified: true,
      });
    }
  });

  it('creates the export bucket encrypted with the key, public access blocked and TLS required', () => {
    const bucket = resource(created, 'ExportBucket').Properties;
    expect(bucket.BucketEncryption).toMatchObject({
      ServerSideEncryptionConfiguration: [
        {
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::If': ['CreateExportKey', EXPORT_KEY_ARN, ''] },
          },
        },
      ],
    });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    const policy = resource(created, 'ExportBucketPolicy').Properties.PolicyDocument as {
      Statement: Statement[];
    };
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it("locks down the framework's deployment bucket: encrypted, public access blocked and TLS required", () => {
    // The core template creates the bucket before the first upload; the update template keeps it so.
    for (const template of [createdCore, created]) {
      const bucket = resource(template, 'ServerlessDeploymentBucket').Properties;
      expect(bucket.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(bucket.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const policy = resource(template, 'ServerlessDeploymentBucketPolicy').Properties;
      expect(policy.Bucket).toEqual({ Ref: 'ServerlessDeploymentBucket' });
      expect((policy.PolicyDocument as { Statement: Statement[] }).Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': false } },
        }),
      );
    }
  });

  it('keeps the key and its alias when the stack is deleted or the key is swapped for an existing one', () => {
    for (const id of ['ExportKey', 'ExportKeyAlias', 'ExportBucket']) {
      expect(resource(created, id), id).toMatchObject({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  it('creates a rotating key that the account administers and the export role may use', () => {
    const key = resource(created, 'ExportKey').Properties;
    expect(key.EnableKeyRotation).toBe(true);
    const statements = resolveIfs(
      created,
      (key.KeyPolicy as { Statement: Statement[] }).Statement,
    ) as Statement[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Principal: { AWS: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root` } },
        Action: 'kms:*',
      }),
    );
    const exportRole = statements.find((s) => JSON.stringify(s.Principal).includes('ExportRole'));
    expect(asList(exportRole?.Action).sort()).toEqual(
      [
        'kms:CreateGrant',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:Encrypt',
        'kms:GenerateDataKey*',
        'kms:ReEncrypt*',
        'kms:RetireGrant',
      ].sort(),
    );
    expect(resource(created, 'ExportKeyAlias').Properties.TargetKeyId).toEqual({ Ref: 'ExportKey' });
  });

  it('creates the export role trusted by export.rds.amazonaws.com with the documented S3 actions', () => {
    const role = resource(created, 'ExportRole').Properties;
    expect(JSON.stringify(role.AssumeRolePolicyDocument)).toContain('"Service":"export.rds.amazonaws.com"');
    const [s3] = statementWith(roleStatements(created, 'ExportRole'), 's3:PutObject*');
    expect(actionsOf(s3 as Statement).sort()).toEqual(
      ['s3:DeleteObject*', 's3:GetBucketLocation', 's3:GetObject*', 's3:ListBucket', 's3:PutObject*'].sort(),
    );
  });

  it('creates an encrypted notification topic that alarms on failed, timed-out and aborted executions publish to', () => {
    expect(resource(created, 'NotificationTopic').Properties.KmsMasterKeyId).toBeDefined();
    const alarms = Object.values(created.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted']) {
      const alarm = alarms.filter(
        (a) => a.Properties.Namespace === 'AWS/States' && a.Properties.MetricName === metric,
      );
      expect(alarm, metric).toHaveLength(1);
      expect(alarm[0]?.Properties).toMatchObject({
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'ExportStateMachine' } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'NotificationTopic' }],
      });
    }
  });

  it('ships the policy file inside the onSnapshot package and points POLICY_FILE at it', () => {
    expect(readFileSync(path.join(createdOut, 'onSnapshot.zip')).includes('export-policy.yml')).toBe(true);
    const env = (
      resource(created, 'OnSnapshotLambdaFunction').Properties.Environment as { Variables: object }
    ).Variables;
    expect(env).toMatchObject({
      POLICY_FILE: 'export-policy.yml',
      STATE_MACHINE_ARN: { Ref: 'ExportStateMachine' },
    });
  });

  it('uses an existing bucket, key and role instead of creating them, and scopes IAM to them', () => {
    for (const [name, id] of [
      ['CreateExportBucket', 'ExportBucket'],
      ['CreateExportKey', 'ExportKey'],
      ['CreateExportRole', 'ExportRole'],
    ] as const) {
      expect(resource(existing, id).Condition).toBe(name);
      expect(condition(existing, name)).toBe(false);
    }
    const start = roleStatements(existing, 'StartExportRole');
    expect(asList(statementWith(start, 'kms:CreateGrant')[0]?.Resource)).toContain(
      EXISTING.existingKmsKeyArn,
    );
    expect(asList(statementWith(start, 'iam:PassRole')[0]?.Resource)).toContain(
      EXISTING.existingExportRoleArn,
    );
    const read = statementWith(roleStatements(existing, 'RegisterExportRole'), 's3:GetObject')[0];
    expect(JSON.stringify(read?.Resource)).toContain(EXISTING.existingBucketName);
    expect(JSON.stringify(read?.Resource)).not.toContain('ExportBucket');
  });

  it('also allows the buckets, keys and roles that policy rules name themselves', () => {
    const start = roleStatements(existing, 'StartExportRole');
    expect(asList(statementWith(start, 'kms:CreateGrant')[0]?.Resource)).toContainEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:kms:\${AWS::Region}:\${AWS::AccountId}:key/0f3c1b2a-4d5e-4f60-8a7b-9c0d1e2f3a4b`,
    });
    expect(asList(statementWith(start, 'iam:PassRole')[0]?.Resource)).toContain(
      'arn:aws:iam::123456789012:role/archive-export',
    );
    const read = statementWith(roleStatements(existing, 'RegisterExportRole'), 's3:GetObject')[0];
    expect(JSON.stringify(resolveIfs(existing, read?.Resource))).toContain('archive-exports-bucket');
  });

  it('keeps the pipeline state in an on-demand DynamoDB table encrypted with the export key, with point-in-time recovery', () => {
    const table = resource(created, 'ExportsTable');
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    expect(
      resolveIfs(created, (table.Properties.SSESpecification as { KMSMasterKeyId: unknown }).KMSMasterKeyId),
    ).toEqual(EXPORT_KEY_ARN);
  });

  it('gives each function exactly the DynamoDB actions its code calls, on that table alone, and the key through DynamoDB', () => {
    const functionOf: Record<string, string> = {
      OnSnapshotRole: 'on-snapshot',
      OnScheduleRole: 'on-schedule',
      StartExportRole: 'start-export',
      CheckExportRole: 'check-export',
      RegisterExportRole: 'register-export',
      NotifyRole: 'notify',
      WaitsRole: 'waits',
    };
    for (const [role, dir] of Object.entries(functionOf)) {
      const calls = [...(sdkOperations(`functions/${dir}`).get('dynamodb') ?? [])].map(
        (o) => `dynamodb:${o}`,
      );
      const statements = roleStatements(created, role);
      const dynamo = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('dynamodb:')));
      expect([...new Set(dynamo.flatMap(actionsOf))].sort(), role).toEqual(calls.sort());
      for (const st of dynamo) expect(st.Resource, role).toEqual({ 'Fn::GetAtt': ['ExportsTable', 'Arn'] });
      // The table is encrypted with the export key: a role that reads or writes it may use the
      // key, only through DynamoDB; a role that does not, may not.
      const tableKey = statements.filter((st) => st.Sid === 'UseEncryptedStateTable');
      expect(tableKey, role).toHaveLength(calls.length > 0 ? 1 : 0);
      for (const st of tableKey) {
        expect(st.Resource, role).toEqual(EXPORT_KEY_ARN);
        expect(st.Condition, role).toEqual({
          StringEquals: { 'kms:ViaService': { 'Fn::Sub': `dynamodb.\${AWS::Region}.amazonaws.com` } },
        });
      }
    }
    // The start function reads and leaves the queue and holds leases; only the waits function
    // puts a waiter or a queued export in the table.
    expect(sdkOperations('functions/start-export').get('dynamodb')).not.toContain('PutItem');
  });

  it('grants the task-token actions to the waits function alone, and routes the export-finished events to it', () => {
    for (const role of [...FUNCTION_ROLES, 'WaitsRole']) {
      const tokens = roleStatements(created, role)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('states:SendTask'));
      expect(tokens.sort(), role).toEqual(
        role === 'WaitsRole'
          ? ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess']
          : [],
      );
    }
    const rule = ruleFor(created, 'aws.rds', EXPORT_ENDED_EVENTS[0]?.id);
    expect(JSON.stringify(rule.Targets)).toContain('WaitsLambdaFunction');
    expect(rule.EventPattern).toEqual({
      source: ['aws.rds'],
      detail: { EventID: idsOf(EXPORT_ENDED_EVENTS) },
    });
  });

  it('creates no schedule, schedule group or scheduler role when the policy has no schedules', () => {
    const types = Object.values(created.Resources).map((r) => r.Type);
    expect(types).not.toContain('AWS::Scheduler::Schedule');
    expect(types).not.toContain('AWS::Scheduler::ScheduleGroup');
    expect(created.Resources.PolicySchedulerRole).toBeUndefined();
  });

  it('has no circular dependency between resources, with created or existing resources', () => {
    expect(dependencyCycle(created)).toBeUndefined();
    expect(dependencyCycle(existing)).toBeUndefined();
  });

  it('fails on an invalid policy with a message naming the field', () => {
    expect(invalid.code).not.toBe(0);
    expect(invalid.output).toContain('rules[0].export.maxConcurrentExports');
  });

  it('fails on a policy rule naming its key by alias, with the key rule the functions use', () => {
    expect(aliasRule.code).not.toBe(0);
    expect(aliasRule.output).toContain(`rules[0].export.kmsKey: ${KMS_KEY_RULE}`);
  });

  it('fails on an existing key given by alias instead of scoping kms:CreateGrant to the alias', () => {
    expect(aliasParameter.code).not.toBe(0);
    expect(aliasParameter.output).toContain(`existingKmsKeyArn: ${KMS_KEY_ARN_RULE}`);
  });
});
