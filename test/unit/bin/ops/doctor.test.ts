import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CloudFormationClient,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import {
  GetRoleCommand,
  IAMClient,
  NoSuchEntityException,
  SimulatePrincipalPolicyCommand,
  type SimulatePrincipalPolicyCommandInput,
} from '@aws-sdk/client-iam';
import { GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetBucketPolicyCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ReportedFailure } from '#bin/command.ts';
import {
  doctorClients,
  hubGrantChecks,
  intakeRules,
  KEY_ACTIONS,
  parsePolicy,
  renderChecks,
  runDoctor,
  START_EXPORT_ROLE,
} from '#bin/ops/doctor.ts';
import { doctorCommand } from '#bin/ops/doctor-command.ts';
import { EXPORT_ROLE_KMS_ACTIONS } from '#shared/sources/rds/policy-statements.ts';
import { testContext } from './context.ts';

const iam = mockClient(IAMClient);
const s3 = mockClient(S3Client);
const events = mockClient(EventBridgeClient);
const cloudformation = mockClient(CloudFormationClient);
const kms = mockClient(KMSClient);
const MOCKS = [iam, s3, events, cloudformation, kms];

const { deployment } = testContext();
const EXPORT_ROLE = deployment.role ?? '';
const FUNCTION_ROLE_NAME = 'rds-export-test-StartExportRole-AbC123';
const FUNCTION_ROLE = `arn:aws:iam::123456789012:role/${FUNCTION_ROLE_NAME}`;

const trust = (statement: object) =>
  encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [statement] }));
const EXPORT_TRUST = trust({
  Effect: 'Allow',
  Principal: { Service: 'export.rds.amazonaws.com' },
  Action: 'sts:AssumeRole',
  Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
});

/** Simulations answer `allowed` except for the denials given as `action@resource`-less action names. */
function simulator(denied: Record<string, string> = {}, passDenied: string[] = []) {
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => ({
    EvaluationResults: (input.ActionNames ?? []).map((action) => {
      const service = input.ContextEntries?.[0]?.ContextKeyValues?.[0] ?? '';
      const decision =
        action === 'iam:PassRole'
          ? passDenied.includes(service)
            ? 'implicitDeny'
            : 'allowed'
          : (denied[action] ?? 'allowed');
      return {
        EvalActionName: action,
        EvalResourceName: input.ResourceArns?.[0],
        EvalDecision: decision,
        MissingContextValues: [],
      };
    }),
    IsTruncated: false,
  }));
}

const noBucketPolicy = () =>
  new S3ServiceException({
    name: 'NoSuchBucketPolicy',
    $fault: 'client',
    $metadata: { httpStatusCode: 404 },
    message: 'The bucket policy does not exist',
  });

/** The key policy as resources/destination.yml writes it: the account administers, the role uses. */
const keyPolicy = (statements: object[]) => ({
  Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
  PolicyName: 'default',
});
const ACCOUNT_ADMINISTERS = {
  Sid: 'AccountAdministersKey',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:root' },
  Action: 'kms:*',
  Resource: '*',
};
const ROLE_USES_KEY = {
  Sid: 'ExportRoleUsesKey',
  Effect: 'Allow',
  Principal: { AWS: EXPORT_ROLE },
  Action: [...EXPORT_ROLE_KMS_ACTIONS],
  Resource: '*',
};

beforeEach(() => {
  for (const mock of MOCKS) mock.reset();
  kms.on(GetKeyPolicyCommand).resolves(keyPolicy([ACCOUNT_ADMINISTERS, ROLE_USES_KEY]));
  iam.on(GetRoleCommand, { RoleName: 'test-export' }).resolves({
    Role: {
      Path: '/',
      RoleName: 'test-export',
      RoleId: 'AROAEXAMPLE',
      Arn: EXPORT_ROLE,
      CreateDate: new Date(0),
      AssumeRolePolicyDocument: EXPORT_TRUST,
    },
  });
  iam.on(GetRoleCommand, { RoleName: FUNCTION_ROLE_NAME }).resolves({
    Role: {
      Path: '/',
      RoleName: FUNCTION_ROLE_NAME,
      RoleId: 'AROAFN',
      Arn: FUNCTION_ROLE,
      CreateDate: new Date(0),
    },
  });
  simulator();
  s3.on(GetBucketPolicyCommand).rejects(noBucketPolicy());
  cloudformation
    .on(DescribeStackResourceCommand, { StackName: 'rds-export-test', LogicalResourceId: 'StartExportRole' })
    .resolves({
      StackResourceDetail: {
        LogicalResourceId: 'StartExportRole',
        PhysicalResourceId: FUNCTION_ROLE_NAME,
        ResourceType: 'AWS::IAM::Role',
        LastUpdatedTimestamp: new Date(0),
        ResourceStatus: 'CREATE_COMPLETE',
      },
    });
  events.on(DescribeRuleCommand).callsFake(({ Name }: { Name: string }) => ({ Name, State: 'ENABLED' }));
  events.on(ListTargetsByRuleCommand).resolves({ Targets: [{ Id: 'onSnapshot', Arn: 'arn:aws:lambda:x' }] });
});

// Built as the CLI builds them: classified, so AWS errors arrive as the pipeline's classes.
const doctor = (prefix = '') => runDoctor(deployment, doctorClients({}, 'us-east-1'), { prefix });
const byName = async (prefix = '') => Object.fromEntries((await doctor(prefix)).map((r) => [r.check, r]));

describe('rds-export doctor', () => {
  it('passes every check of a deployment set up as the stack sets it up', async () => {
    const results = await doctor();
    expect(results.map((r) => r.check)).toEqual([
      'export role exists',
      'export role trust',
      'export role writes the bucket',
      'export role uses the key',
      'key policy',
      'bucket policy',
      'start-export may pass the export role',
      ...intakeRules('test').map((name) => `rule ${name}`),
    ]);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const lines = renderChecks(results).split('\n');
    expect(lines).toHaveLength(results.length);
    for (const line of lines) expect(line).toMatch(/^ok {3}\S.*: /);
    expect(lines[1]).toContain('conditions not evaluated: aws:SourceAccount');
  });

  it('simulates the export role on the bucket, an object under the prefix and the key, and the pass with iam:PassedToService', async () => {
    await doctor('exports/prod/');
    const simulations = iam.commandCalls(SimulatePrincipalPolicyCommand).map((c) => c.args[0].input);
    expect(
      simulations.map((s) => [s.PolicySourceArn, s.ActionNames, s.ResourceArns, s.ContextEntries]),
    ).toEqual([
      [EXPORT_ROLE, ['s3:ListBucket', 's3:GetBucketLocation'], ['arn:aws:s3:::test-exports'], undefined],
      [
        EXPORT_ROLE,
        ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
        ['arn:aws:s3:::test-exports/exports/prod/rds-export-doctor/probe'],
        undefined,
      ],
      [EXPORT_ROLE, KEY_ACTIONS, [deployment.kmsKey], undefined],
      ...['rds.amazonaws.com', 'export.rds.amazonaws.com'].map((service) => [
        FUNCTION_ROLE,
        ['iam:PassRole'],
        [EXPORT_ROLE],
        [{ ContextKeyName: 'iam:PassedToService', ContextKeyValues: [service], ContextKeyType: 'string' }],
      ]),
    ]);
  });

  it('sends only calls that read or simulate, never one that changes the account', async () => {
    // A run where every check passes and one where they fail reach every call doctor makes.
    await doctor();
    for (const mock of MOCKS) mock.reset();
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'no', $metadata: {} }));
    s3.on(GetBucketPolicyCommand).resolves({ Policy: '{"Statement":[]}' });
    events.on(DescribeRuleCommand).resolves({ State: 'DISABLED' });
    await doctor();
    const sent = MOCKS.flatMap((mock) =>
      mock.calls().map((call) => (call.args[0] as object).constructor.name),
    );
    expect(sent.length).toBeGreaterThan(0);
    for (const name of sent) expect(name).toMatch(/^(Get|Describe|List|Simulate)[A-Z]\w*Command$/);
    // And the module imports no other command.
    const source = readFileSync(path.join(import.meta.dirname, '../../../../bin/ops/doctor.ts'), 'utf8');
    const imported = [...source.matchAll(/\b([A-Z]\w*Command)\b/g)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThan(0);
    for (const name of imported) expect(name).toMatch(/^(Get|Describe|List|Simulate)[A-Z]\w*Command$/);
  });

  it('fails a missing export role with the fix, and skips the checks that need it', async () => {
    iam.on(GetRoleCommand, { RoleName: 'test-export' }).rejects(
      new NoSuchEntityException({
        message: 'The role with name test-export cannot be found.',
        $metadata: {},
      }),
    );
    const results = await byName();
    expect(results['export role exists']).toMatchObject({
      ok: false,
      detail: `no role test-export (${EXPORT_ROLE})`,
    });
    expect(results['export role exists']?.fix).toContain('existingExportRoleArn');
    expect(results['export role trust']).toBeUndefined();
    expect(results['export role writes the bucket']).toBeUndefined();
  });

  it('fails a trust policy that does not let export.rds.amazonaws.com assume the role', async () => {
    iam.on(GetRoleCommand, { RoleName: 'test-export' }).resolves({
      Role: {
        Path: '/',
        RoleName: 'test-export',
        RoleId: 'x',
        Arn: EXPORT_ROLE,
        CreateDate: new Date(0),
        AssumeRolePolicyDocument: trust({
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        }),
      },
    });
    const check = (await byName())['export role trust'];
    expect(check).toMatchObject({ ok: false });
    expect(check?.detail).toContain('does not let export.rds.amazonaws.com sts:AssumeRole');
    expect(renderChecks([check ?? { check: '', ok: true, detail: '' }])).toMatch(
      /^FAIL export role trust: .*; fix: let export\.rds\.amazonaws\.com sts:AssumeRole/,
    );
  });

  it("names the stack's rules and start-export's role as serverless.yml does", () => {
    const template = readFileSync(path.join(import.meta.dirname, '../../../../serverless.yml'), 'utf8');
    const names = intakeRules('STAGE').map((n) => n.replace('rds-export-STAGE-', ''));
    for (const [key, suffix] of [
      ['rdsSnapshotRule', names[0]],
      ['backupJobRule', names[1]],
      ['exportEventsRule', names[2]],
    ]) {
      expect(template).toContain(`${key}: \${self:service}-\${sls:stage}-${suffix}`);
    }
    expect(template).toMatch(/^service: rds-export$/m);
    expect(template).toMatch(new RegExp(`\\n {6}${START_EXPORT_ROLE}:\\n {8}Type: AWS::IAM::Role\\n`));
  });

  it('validates the trust policy document', () => {
    expect(() => parsePolicy(encodeURIComponent('{"Statement":[{"Effect":"Maybe"}]}'), true)).toThrow(
      /not a policy/,
    );
    expect(() => parsePolicy('%7Bnot json', true)).toThrow(/not JSON/);
    expect(parsePolicy(EXPORT_TRUST, true)).toHaveLength(1);
  });

  it('reports each denied action of the export role with its decision', async () => {
    simulator({ 's3:PutObject': 'explicitDeny', 'kms:CreateGrant': 'implicitDeny' });
    const results = await byName();
    expect(results['export role writes the bucket']).toMatchObject({
      ok: false,
      detail: 's3:PutObject on arn:aws:s3:::test-exports/rds-export-doctor/probe explicitDeny',
    });
    expect(results['export role uses the key']?.detail).toBe(
      `kms:CreateGrant on ${deployment.kmsKey} implicitDeny`,
    );
    expect(results['export role uses the key']?.fix).toContain('ExportRoleKeyPolicy');
  });

  it('reads the bucket policy: an unconditional deny of the role fails, a conditional one is noted', async () => {
    const policy = (statements: object[]) => ({
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    });
    const tls = {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: ['arn:aws:s3:::test-exports', 'arn:aws:s3:::test-exports/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    s3.on(GetBucketPolicyCommand).resolves(policy([tls]));
    expect((await byName())['bucket policy']).toMatchObject({
      ok: true,
      detail:
        'no unconditional deny of the export role (1 conditional or Not* deny statement(s) not evaluated)',
    });
    s3.on(GetBucketPolicyCommand).resolves(
      policy([
        tls,
        {
          Sid: 'NoWrites',
          Effect: 'Deny',
          Principal: { AWS: EXPORT_ROLE },
          Action: 's3:Put*',
          Resource: '*',
        },
      ]),
    );
    expect((await byName())['bucket policy']).toMatchObject({ ok: false });
    expect((await byName())['bucket policy']?.detail).toContain('NoWrites');
  });

  it('reads the key policy: the role named, or its account delegating to IAM, passes; neither, or a deny, fails', async () => {
    expect((await byName())['key policy']).toMatchObject({
      ok: true,
      detail: 'allows the export role every key action it needs',
    });
    expect(kms.commandCalls(GetKeyPolicyCommand)[0]?.args[0].input).toEqual({
      KeyId: deployment.kmsKey,
      PolicyName: 'default',
    });
    // The default key policy's root statement lets the account's IAM policies decide.
    kms.on(GetKeyPolicyCommand).resolves(keyPolicy([ACCOUNT_ADMINISTERS]));
    expect((await byName())['key policy']).toMatchObject({
      ok: true,
      detail: "allows the export role's account the rest: its IAM policies decide (simulated above)",
    });
    // A key administered by someone else: the export role is in no statement.
    kms
      .on(GetKeyPolicyCommand)
      .resolves(
        keyPolicy([{ ...ACCOUNT_ADMINISTERS, Principal: { AWS: 'arn:aws:iam::123456789012:role/admins' } }]),
      );
    const missing = (await byName())['key policy'];
    expect(missing).toMatchObject({ ok: false });
    expect(missing?.detail).toContain('allows neither the export role nor its account kms:Encrypt');
    expect(missing?.fix).toContain('ExportRoleUsesKey');
    kms.on(GetKeyPolicyCommand).resolves(
      keyPolicy([
        ACCOUNT_ADMINISTERS,
        ROLE_USES_KEY,
        {
          Sid: 'NoGrants',
          Effect: 'Deny',
          Principal: { AWS: EXPORT_ROLE },
          Action: 'kms:CreateGrant',
          Resource: '*',
        },
      ]),
    );
    expect((await byName())['key policy']).toMatchObject({ ok: false });
    expect((await byName())['key policy']?.detail).toContain('NoGrants');
  });

  it('on a hub, checks that the bucket and key admit the member accounts’ roles, and only in their folder', async () => {
    const hub = {
      ...deployment,
      hubEventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/rds-export-test-hub',
    };
    const checks = (await runDoctor(hub, doctorClients({}, 'us-east-1'))).map((r) => [r.check, r.ok]);
    // This key and bucket (no policy) admit no member: each check fails, naming what to add.
    expect(checks).toEqual(
      expect.arrayContaining([
        ['key admits member export roles', false],
        ['key admits member access roles', false],
        ['bucket admits member export roles in their folder', false],
      ]),
    );
    // Each policy is read once, for the export role's checks and the hub's.
    expect(kms.commandCalls(GetKeyPolicyCommand)).toHaveLength(1);
    expect(s3.commandCalls(GetBucketPolicyCommand)).toHaveLength(1);
    // A single-account deployment has no such checks.
    expect((await doctor()).map((r) => r.check)).not.toContain('key admits member export roles');
  });

  it('checks each other Region’s bucket and key of the policy’s regions: as the deployment’s own, with that Region’s clients', async () => {
    const regionalKey = 'arn:aws:kms:eu-west-2:123456789012:key/0a1b2c3d-2222-4222-8333-944455556677';
    const asked: string[] = [];
    const clients = doctorClients({}, 'us-east-1');
    const inRegion = clients.inRegion;
    const results = await runDoctor(
      deployment,
      {
        ...clients,
        inRegion: (region) => {
          asked.push(region);
          return inRegion?.(region) ?? clients;
        },
      },
      { regions: [{ region: 'eu-west-2', bucket: 'exports-eu-west-2', kmsKey: regionalKey }] },
    );
    expect(asked).toEqual(['eu-west-2']);
    expect(results.filter((r) => r.check.endsWith('(eu-west-2)')).map((r) => [r.check, r.ok])).toEqual([
      ['export role writes the bucket (eu-west-2)', true],
      ['export role uses the key (eu-west-2)', true],
      ['key policy (eu-west-2)', true],
      ['bucket policy (eu-west-2)', true],
    ]);
    const keys = kms.commandCalls(GetKeyPolicyCommand).map((c) => c.args[0].input.KeyId);
    expect(keys).toEqual([deployment.kmsKey, regionalKey]);
    const simulated = iam
      .commandCalls(SimulatePrincipalPolicyCommand)
      .flatMap((c) => c.args[0].input.ResourceArns);
    expect(simulated).toContain('arn:aws:s3:::exports-eu-west-2');
    expect(simulated).toContain(regionalKey);
  });

  it('fails a member grant open to every AWS account, or one that lets a member write outside its folder', () => {
    const role = 'arn:aws:iam::*:role/rds-export-test-member-export';
    const grant = (condition: object, resource: string) => ({
      statements: [
        {
          Sid: 'Members',
          Effect: 'Allow' as const,
          Principal: '*' as const,
          Action: ['s3:PutObject*', 's3:GetObject*', 's3:DeleteObject*'],
          Resource: resource,
          Condition: { ArnLike: { 'aws:PrincipalArn': role }, ...condition },
        },
      ],
    });
    const inOrg = { StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorgid' } };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template.
    const ownFolder = 'arn:aws:s3:::b/${aws:PrincipalAccount}/*';
    const [ok] = hubGrantChecks('test', undefined, grant(inOrg, ownFolder));
    expect(ok).toMatchObject({ ok: true });
    const [open] = hubGrantChecks('test', undefined, grant({}, ownFolder));
    expect(open).toMatchObject({ ok: false });
    expect(open?.detail).toContain('of any AWS account');
    const [outside] = hubGrantChecks('test', undefined, grant(inOrg, 'arn:aws:s3:::b/*'));
    expect(outside).toMatchObject({ ok: false });
    expect(outside?.detail).toContain('outside their own folder');
  });

  it("fails the pass when start-export's role may not pass the export role to RDS", async () => {
    simulator({}, ['export.rds.amazonaws.com']);
    const check = (await byName())['start-export may pass the export role'];
    expect(check).toMatchObject({ ok: false });
    expect(check?.detail).toBe(
      `iam:PassRole (iam:PassedToService export.rds.amazonaws.com) on ${EXPORT_ROLE} implicitDeny`,
    );
  });

  it('fails a missing, disabled or targetless intake rule', async () => {
    const [snapshots, backups, finished] = intakeRules('test');
    events
      .on(DescribeRuleCommand, { Name: snapshots })
      .rejects(
        new ResourceNotFoundException({ message: `Rule ${snapshots} does not exist.`, $metadata: {} }),
      );
    events.on(DescribeRuleCommand, { Name: backups }).resolves({ Name: backups, State: 'DISABLED' });
    events.on(ListTargetsByRuleCommand, { Rule: finished }).resolves({ Targets: [] });
    const results = await byName();
    expect(results[`rule ${snapshots}`]).toMatchObject({ ok: false, detail: 'does not exist' });
    expect(results[`rule ${backups}`]).toMatchObject({
      ok: false,
      fix: `aws events enable-rule --name ${backups}`,
    });
    expect(results[`rule ${finished}`]).toMatchObject({ ok: false, detail: 'is ENABLED but has no target' });
  });

  it("turns the operator's own AccessDenied into a failed check that names the permission", async () => {
    events.on(DescribeRuleCommand).rejects(
      Object.assign(new Error('not authorized to perform: events:DescribeRule'), {
        name: 'AccessDeniedException',
        $metadata: {},
      }),
    );
    const check = (await byName())[`rule ${intakeRules('test')[0]}`];
    expect(check?.detail).toMatch(/^could not check: DescribeRule/);
    expect(check?.fix).toContain('Operator policy');
  });

  it('as a command: prints the lines and exits 1 (ReportedFailure) when a check fails', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'rds-export-test',
          CreationTime: new Date(0),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            { OutputKey: 'ExportStateMachineArn', OutputValue: deployment.stateMachineArn },
            { OutputKey: 'ExportsTableName', OutputValue: deployment.exportsTable },
            { OutputKey: 'ExportBucketName', OutputValue: 'test-exports' },
            { OutputKey: 'ExportKmsKeyArn', OutputValue: deployment.kmsKey },
            { OutputKey: 'ExportRoleArn', OutputValue: EXPORT_ROLE },
          ],
        },
      ],
    });
    const values = { stage: 'test', region: 'us-east-1' };
    expect(await doctorCommand.run(values, [])).toMatch(/^ok {3}export role exists/);
    events.on(DescribeRuleCommand).resolves({ State: 'DISABLED' });
    const failed = await doctorCommand.run({ ...values, json: true }, []).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ReportedFailure);
    const report = JSON.parse((failed as ReportedFailure).output);
    expect(report).toMatchObject({ stage: 'test', region: 'us-east-1', ok: false });
    expect(report.checks.filter((c: { ok: boolean }) => !c.ok)).toHaveLength(3);
  });
});
