import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  detailTypesOf,
  EXPORT_ENDED_EVENTS,
  idsOf,
  SNAPSHOT_READY_EVENTS,
} from '#shared/sources/rds/events.ts';
import {
  actionsOf,
  asList,
  type Resource,
  readTemplate,
  roleStatements,
  type Statement,
  serviceCopy,
  slsPackage,
  type Template,
} from './cloudformation.ts';

// The hub lives in another Region than the member stack (packaged for eu-west-1): the hub role
// names must take the hub's Region from the bus ARN, not the member's.
const HUB = {
  hubAccountId: '111122223333',
  hubEventBusArn: 'arn:aws:events:us-east-2:111122223333:event-bus/rds-export-test-hub',
  hubBucketName: 'rds-export-test-exportbucket-abc123',
  hubKmsKeyArn: 'arn:aws:kms:us-east-2:111122223333:key/11111111-2222-3333-4444-555555555555',
};
// The hub's operators (rds-export cancel and retry of a member's exports): two roles of the hub's
// account, one with a path, given with spaces.
const OPERATORS = [
  'arn:aws:iam::111122223333:role/ops-oncall',
  'arn:aws:iam::111122223333:role/teams/data/rds-operator',
];
// What CloudFormation substitutes in one member account (a StackSet instance).
const MEMBER = { partition: 'aws', region: 'eu-west-1', accountId: '999988887777' };

const temp: string[] = [];
let template: Template;
let withOperators: Template;
let missingParameter: { code: number | null; output: string };
let badOperators: { code: number | null; output: string }[];

// Packagings of the member stack, from one copy of the repo: with the hub's parameters, with the
// hub's operators too, without hubKmsKeyArn, and with operators that are not the hub's roles.
// None bundles anything (the stack has no functions).
beforeAll(async () => {
  const service = serviceCopy();
  const dirs = Array.from({ length: 5 }, () => mkdtempSync(path.join(tmpdir(), 'rds-export-member-')));
  temp.push(service, ...dirs);
  const [out, operatorsOut, failed, notRole, otherAccount] = dirs as [string, string, string, string, string];
  const { hubKmsKeyArn: _, ...withoutKey } = HUB;
  const member = (dir: string, params: Record<string, string>) =>
    slsPackage(service, dir, params, 'serverless.member.yml');
  const [packaged, operators, missing, ...bad] = await Promise.all([
    member(out, HUB),
    member(operatorsOut, { ...HUB, hubOperatorRoleArns: OPERATORS.join(', ') }),
    member(failed, withoutKey),
    member(notRole, { ...HUB, hubOperatorRoleArns: 'arn:aws:iam::111122223333:user/ops' }),
    member(otherAccount, { ...HUB, hubOperatorRoleArns: 'arn:aws:iam::444455556666:role/ops' }),
  ]);
  for (const p of [packaged, operators])
    if (p.code !== 0) throw new Error(`serverless package of the member stack failed:\n${p.output}`);
  template = readTemplate(out);
  withOperators = readTemplate(operatorsOut);
  missingParameter = missing;
  badOperators = bad;
});

afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';

/**
 * A value as CloudFormation resolves it in the member account: Ref AWS::*, Fn::Sub (with its
 * variable map and ${!…} escapes), Fn::Select, Fn::Split. Fn::GetAtt stays `<Id.Attr>`.
 */
function evaluate(value: unknown, vars: Record<string, unknown> = {}): unknown {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, vars));
  if (!isObject(value)) return value;
  const pseudo: Record<string, string> = {
    'AWS::Partition': MEMBER.partition,
    'AWS::Region': MEMBER.region,
    'AWS::AccountId': MEMBER.accountId,
  };
  if ('Ref' in value) return pseudo[value.Ref as string] ?? `<${String(value.Ref)}>`;
  if ('Fn::GetAtt' in value) return `<${(value['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Select' in value) {
    const [index, list] = value['Fn::Select'] as [number, unknown];
    return (evaluate(list, vars) as unknown[])[index];
  }
  if ('Fn::Split' in value) {
    const [delimiter, text] = value['Fn::Split'] as [string, unknown];
    return String(evaluate(text, vars)).split(delimiter);
  }
  if ('Fn::Sub' in value) {
    const sub = value['Fn::Sub'];
    const [text, map] = typeof sub === 'string' ? [sub, {}] : (sub as [string, Record<string, unknown>]);
    const local = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, evaluate(v, vars)]));
    return text.replace(/\$\{(!?)([^}]+)\}/g, (_, escaped: string, name: string) => {
      if (escaped) return `\${${name}}`;
      return String(local[name] ?? pseudo[name] ?? `<${name}>`);
    });
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, vars)]));
}

const resource = (id: string): Resource => {
  const r = template.Resources[id];
  if (r === undefined) throw new Error(`template has no ${id}`);
  return r;
};
const trust = (id: string) =>
  (resource(id).Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
const statements = (id: string) => roleStatements(template, id).map((s) => evaluate(s) as Statement);
const withAction = (id: string, action: string) =>
  statements(id).filter((s) => actionsOf(s).includes(action));

const rds = (type: string) => `arn:aws:rds:${MEMBER.region}:${MEMBER.accountId}:${type}:*`;
const bucket = `arn:aws:s3:::${HUB.hubBucketName}`;

describe('member stack (serverless.member.yml)', () => {
  it('fails packaging without a hub parameter instead of naming nothing', () => {
    expect(missingParameter.code).not.toBe(0);
    expect(missingParameter.output).toMatch(/Cannot resolve variable at "custom\.hub\.kmsKeyArn"/);
  });

  it("lets only the hub's four function roles assume the access role, by ARN", () => {
    expect(resource('MemberAccessRole').Properties.RoleName).toBe('rds-export-test-member-access');
    const statementsOfTrust = trust('MemberAccessRole').map((s) => evaluate(s) as Statement);
    expect(statementsOfTrust).toHaveLength(1);
    const [only] = statementsOfTrust;
    expect(only?.Effect).toBe('Allow');
    expect(only?.Action).toBe('sts:AssumeRole');
    expect(only?.Condition).toBeUndefined();
    // The hub's role names (serverless.yml RoleName of OnSnapshotRole, StartExportRole,
    // CheckExportRole, WaitsRole), in the hub's Region as its bus ARN names it; never the hub
    // account's root, which would let any principal the hub allows assume the role.
    expect(only?.Principal).toEqual({
      AWS: ['on-snapshot', 'start-export', 'check-export', 'waits'].map(
        (fn) => `arn:aws:iam::${HUB.hubAccountId}:role/rds-export-test-us-east-2-${fn}`,
      ),
    });
  });

  it('gives the access role exactly what the intake and the exports need in the account', () => {
    const actions = statements('MemberAccessRole').flatMap(actionsOf);
    expect([...new Set(actions)].sort()).toEqual(
      [
        'rds:DescribeDBSnapshots',
        'rds:DescribeDBClusterSnapshots',
        'rds:DescribeDBClusters',
        'rds:ListTagsForResource',
        'rds:StartExportTask',
        'rds:DescribeExportTasks',
        'rds:CancelExportTask',
        'iam:PassRole',
        // StartExportTask's caller and the key (RDS API reference, StartExportTask KmsKeyId).
        'kms:CreateGrant',
        'kms:DescribeKey',
      ].sort(),
    );
    expect(statements('MemberAccessRole').every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it("scopes the access role's RDS actions to the account's and Region's sources as far as IAM allows", () => {
    // Resource types of the Service Authorization Reference (Amazon RDS): DescribeDBSnapshots
    // (snapshot, db), DescribeDBClusterSnapshots (cluster-snapshot, cluster), DescribeDBClusters
    // (cluster), ListTagsForResource (each), StartExportTask (snapshot, cluster-snapshot, cluster).
    for (const action of [
      'rds:DescribeDBSnapshots',
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBClusters',
      'rds:ListTagsForResource',
    ]) {
      for (const s of withAction('MemberAccessRole', action)) {
        expect(asList(s.Resource).sort(), action).toEqual(
          ['snapshot', 'cluster-snapshot', 'db', 'cluster'].map(rds).sort(),
        );
      }
    }
    const [start, ...more] = withAction('MemberAccessRole', 'rds:StartExportTask');
    expect(more).toEqual([]);
    expect(actionsOf(start as Statement)).toEqual(['rds:StartExportTask']);
    expect(asList(start?.Resource)).toEqual(['snapshot', 'cluster-snapshot', 'cluster'].map(rds));
    // The Service Authorization Reference lists no resource type for DescribeExportTasks or
    // CancelExportTask: "*" is the only Resource IAM accepts for them, and only for them.
    for (const s of statements('MemberAccessRole').filter((st) => asList(st.Resource).includes('*'))) {
      expect(actionsOf(s).sort()).toEqual(['rds:CancelExportTask', 'rds:DescribeExportTasks']);
    }
  });

  it('lets the access role pass the member export role, and no other, to RDS only', () => {
    const pass = withAction('MemberAccessRole', 'iam:PassRole');
    expect(pass).toHaveLength(1);
    expect(actionsOf(pass[0] as Statement)).toEqual(['iam:PassRole']);
    expect(pass[0]?.Resource).toBe('<MemberExportRole.Arn>');
    // The two values serverless.yml's PassExportRoles accepts (RDS checks its passes as
    // rds.amazonaws.com, NeptuneFullAccess in the Neptune user guide; AWS pins no value for
    // StartExportTask).
    expect(pass[0]?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': ['rds.amazonaws.com', 'export.rds.amazonaws.com'] },
    });
  });

  it("lets only RDS exports of this account assume the export role, writing under the account's prefix only", () => {
    expect(resource('MemberExportRole').Properties.RoleName).toBe('rds-export-test-member-export');
    // Confused-deputy guard: RDS user guide, "Exporting DB snapshot data to Amazon S3" (aws:SourceAccount).
    expect(trust('MemberExportRole').map((s) => evaluate(s))).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'export.rds.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': MEMBER.accountId } },
      },
    ]);
    const all = statements('MemberExportRole');
    const s3 = all.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    // The export role's S3 actions: RDS user guide, "Setting up access to an Amazon S3 bucket"
    // (s3:PutObject*, GetObject*, ListBucket, DeleteObject*, GetBucketLocation).
    expect([...new Set(s3.flatMap(actionsOf))].sort()).toEqual(
      ['s3:DeleteObject*', 's3:GetBucketLocation', 's3:GetObject*', 's3:ListBucket', 's3:PutObject*'].sort(),
    );
    for (const s of s3) {
      const objects = actionsOf(s).some((a) => /^s3:(Put|Get|Delete)Object/.test(a));
      if (objects) expect(s.Resource).toBe(`${bucket}/${MEMBER.accountId}/*`);
      else expect(s.Resource).toBe(bucket);
      if (actionsOf(s).includes('s3:ListBucket')) {
        expect(actionsOf(s)).toEqual(['s3:ListBucket']);
        expect(s.Condition).toEqual({ StringLike: { 's3:prefix': `${MEMBER.accountId}/*` } });
      }
    }
    const kms = all.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    for (const s of kms) expect(s.Resource).toBe(HUB.hubKmsKeyArn);
    const others = all.filter((s) => !s3.includes(s) && !kms.includes(s));
    expect(others).toEqual([]);
  });

  it("forwards the hub intake's three patterns to the hub's bus with a role that may only put events there", () => {
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    // The patterns of serverless.yml's intake rules (onSnapshot's two, waits' export-finished).
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual([
      {
        source: ['aws.rds'],
        'detail-type': detailTypesOf(SNAPSHOT_READY_EVENTS),
        detail: { EventID: idsOf(SNAPSHOT_READY_EVENTS) },
      },
      {
        source: ['aws.backup'],
        'detail-type': ['Backup Job State Change'],
        detail: { state: ['COMPLETED'], resourceType: ['RDS', 'Aurora'] },
      },
      { source: ['aws.rds'], detail: { EventID: idsOf(EXPORT_ENDED_EVENTS) } },
    ]);
    // Cross-account event bus targets need a role of the sending account (EventBridge user guide,
    // "Sending and receiving Amazon EventBridge events between AWS accounts"). On the default bus:
    // no EventBusName.
    for (const rule of rules) {
      expect(rule.Properties.EventBusName).toBeUndefined();
      expect(evaluate(rule.Properties.Targets)).toEqual([
        { Id: 'hub-event-bus', Arn: HUB.hubEventBusArn, RoleArn: '<ForwardToHubRole.Arn>' },
      ]);
    }
    expect(trust('ForwardToHubRole')).toEqual([
      { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(statements('ForwardToHubRole')).toEqual([
      {
        Sid: 'PutEventsOnTheHubBus',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: HUB.hubEventBusArn,
      },
    ]);
  });

  it('has no literal of the member account, so one template serves every account of a StackSet', () => {
    // The hub's parameters are the same for every member; nothing else may name an account.
    // Longest first: the bus and key ARNs contain the hub's account ID.
    const text = Object.values(HUB)
      .sort((a, b) => b.length - a.length)
      .reduce((t, value) => t.replaceAll(value, ''), JSON.stringify(template.Resources));
    const accounts = new Set(text.match(/\b\d{12}\b/g) ?? []);
    expect([...accounts]).toEqual([]);
    // ARNs of the member's own resources take the partition from the stack.
    expect(text).not.toContain('arn:aws:');
  });

  it('outputs the two role ARNs', () => {
    expect(template.Outputs?.MemberAccessRoleArn?.Value).toEqual({
      'Fn::GetAtt': ['MemberAccessRole', 'Arn'],
    });
    expect(template.Outputs?.MemberExportRoleArn?.Value).toEqual({
      'Fn::GetAtt': ['MemberExportRole', 'Arn'],
    });
  });

  it('creates no operator role without hubOperatorRoleArns', () => {
    expect(template.Resources.MemberOperatorRole?.Condition).toBe('MemberOperatorsSet');
    expect(template.Conditions?.MemberOperatorsSet).toEqual({ 'Fn::Equals': ['false', 'true'] });
    expect(template.Outputs?.MemberOperatorRoleArn).toMatchObject({ Condition: 'MemberOperatorsSet' });
  });

  it("lets exactly the hub's operators assume the operator role, by ARN", () => {
    expect(withOperators.Conditions?.MemberOperatorsSet).toEqual({ 'Fn::Equals': ['true', 'true'] });
    const role = withOperators.Resources.MemberOperatorRole as Resource;
    expect(role.Properties.RoleName).toBe('rds-export-test-member-operator');
    // IAM role principals by ARN (IAM user guide, "AWS JSON policy elements: Principal"): not the
    // hub account's root, so no other principal of the hub may assume it.
    expect((role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: OPERATORS }, Action: 'sts:AssumeRole' },
    ]);
    expect(withOperators.Outputs?.MemberOperatorRoleArn).toMatchObject({
      Condition: 'MemberOperatorsSet',
      Value: { 'Fn::GetAtt': ['MemberOperatorRole', 'Arn'] },
    });
  });

  it('gives the operator role only what cancel and retry do in the account', () => {
    const all = roleStatements(withOperators, 'MemberOperatorRole').map((s) => evaluate(s) as Statement);
    expect(all.every((s) => s.Effect === 'Allow' && s.Condition === undefined)).toBe(true);
    const scopes = Object.fromEntries(all.flatMap((s) => actionsOf(s).map((a) => [a, asList(s.Resource)])));
    // Retry re-describes the snapshot or the cluster (Service Authorization Reference, Amazon RDS:
    // snapshot and db; cluster-snapshot and cluster; cluster); DescribeExportTasks and
    // CancelExportTask have no resource type, so "*".
    const sources = ['snapshot', 'cluster-snapshot', 'db', 'cluster'].map(rds).sort();
    expect(Object.keys(scopes).sort()).toEqual(
      [
        'rds:DescribeDBSnapshots',
        'rds:DescribeDBClusterSnapshots',
        'rds:DescribeDBClusters',
        'rds:DescribeExportTasks',
        'rds:CancelExportTask',
      ].sort(),
    );
    for (const action of [
      'rds:DescribeDBSnapshots',
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBClusters',
    ])
      expect((scopes[action] as string[]).slice().sort(), action).toEqual(sources);
    expect(scopes['rds:DescribeExportTasks']).toEqual(['*']);
    expect(scopes['rds:CancelExportTask']).toEqual(['*']);
  });

  it("refuses at packaging an operator that is not an IAM role of the hub's account, naming the parameter", () => {
    const [notRole, otherAccount] = badOperators;
    expect(notRole?.code).not.toBe(0);
    expect(notRole?.output).toContain('hubOperatorRoleArns: not IAM role ARNs');
    expect(notRole?.output).toContain('arn:aws:iam::111122223333:user/ops');
    expect(otherAccount?.code).not.toBe(0);
    expect(otherAccount?.output).toContain(
      "hubOperatorRoleArns: roles outside the hub's account 111122223333 (hubAccountId): arn:aws:iam::444455556666:role/ops",
    );
  });

  it('has no literal of the member account with operators either', () => {
    const text = [...OPERATORS, ...Object.values(HUB)]
      .sort((a, b) => b.length - a.length)
      .reduce((t, value) => t.replaceAll(value, ''), JSON.stringify(withOperators.Resources));
    expect(text.match(/\b\d{12}\b/g) ?? []).toEqual([]);
    expect(text).not.toContain('arn:aws:');
  });
});
