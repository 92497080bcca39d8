import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOf,
  asList,
  evaluator,
  FORWARDED_PATTERNS,
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
// The roles in the packaging Region (eu-west-1, MEMBER.region) instead of the hub's.
let rolesHere: Template;
let missingParameter: { code: number | null; output: string };
let badOperators: { code: number | null; output: string }[];
let badRolesRegion: { code: number | null; output: string };

// Packagings of the member stack, each from its own copy of the repo: with the hub's parameters, with the
// hub's operators too, with rolesRegion the packaging Region, without hubKmsKeyArn, with operators
// that are not the hub's roles, and with a rolesRegion that is no Region. None bundles anything
// (the stack has no functions).
beforeAll(async () => {
  const dirs = Array.from({ length: 7 }, () => mkdtempSync(path.join(tmpdir(), 'rds-export-member-')));
  temp.push(...dirs);
  const [out, operatorsOut, outHere, failed, notRole, otherAccount, bad] = dirs as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const { hubKmsKeyArn: _, ...withoutKey } = HUB;
  // A copy each: packagings running at once in one service directory race on its .serverless folder
  // (the framework clears and rewrites it), and one of them fails now and then.
  const member = (dir: string, params: Record<string, string>) => {
    const service = serviceCopy();
    temp.push(service);
    return slsPackage(service, dir, params, 'serverless.member.yml');
  };
  const [packaged, operators, packagedHere, missing, notRoleResult, otherAccountResult, refused] =
    await Promise.all([
      member(out, HUB),
      member(operatorsOut, { ...HUB, hubOperatorRoleArns: OPERATORS.join(', ') }),
      member(outHere, { ...HUB, rolesRegion: MEMBER.region }),
      member(failed, withoutKey),
      member(notRole, { ...HUB, hubOperatorRoleArns: 'arn:aws:iam::111122223333:user/ops' }),
      member(otherAccount, { ...HUB, hubOperatorRoleArns: 'arn:aws:iam::444455556666:role/ops' }),
      member(bad, { ...HUB, rolesRegion: 'Ireland' }),
    ]);
  for (const p of [packaged, operators, packagedHere])
    if (p.code !== 0) throw new Error(`serverless package of the member stack failed:\n${p.output}`);
  template = readTemplate(out);
  withOperators = readTemplate(operatorsOut);
  rolesHere = readTemplate(outHere);
  missingParameter = missing;
  badOperators = [notRoleResult, otherAccountResult];
  badRolesRegion = refused;
});

afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

/** A value as CloudFormation resolves it in the member account (a StackSet instance in MEMBER.region). */
const evaluate = (value: unknown, t: Template = template): unknown => evaluator(t, MEMBER)(value);

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

// In any Region: the roles serve every Region of the account the stack forwards from.
const rds = (type: string) => `arn:aws:rds:*:${MEMBER.accountId}:${type}:*`;
const bucket = `arn:aws:s3:::${HUB.hubBucketName}`;
// The hub's buckets in its other Regions (serverless.region.yml: <service>-<stage>-<account>-<region>).
const regionalBuckets = `arn:aws:s3:::rds-export-test-${HUB.hubAccountId}-*`;
// The home key, and any key of the hub's account (the regional keys' ARNs are not known here).
const hubKeys = [HUB.hubKmsKeyArn, `arn:aws:kms:*:${HUB.hubAccountId}:key/*`];
const FORWARD_ROLE = 'rds-export-test-member-forward';

describe('member stack (serverless.member.yml)', () => {
  it('fails packaging without a hub parameter instead of naming nothing', () => {
    expect(missingParameter.code).not.toBe(0);
    expect(missingParameter.output).toMatch(/Cannot resolve variable at "custom\.hub\.kmsKeyArn"/);
  });

  it("lets only the hub's five function roles assume the access role, by ARN", () => {
    expect(resource('MemberAccessRole').Properties.RoleName).toBe('rds-export-test-member-access');
    const statementsOfTrust = trust('MemberAccessRole').map((s) => evaluate(s) as Statement);
    expect(statementsOfTrust).toHaveLength(1);
    const [only] = statementsOfTrust;
    expect(only?.Effect).toBe('Allow');
    expect(only?.Action).toBe('sts:AssumeRole');
    expect(only?.Condition).toBeUndefined();
    // The hub's role names (serverless.yml RoleName of OnSnapshotRole, OnScheduleRole,
    // StartExportRole, CheckExportRole, WaitsRole), in the hub's Region as its bus ARN names it; never the hub
    // account's root, which would let any principal the hub allows assume the role.
    expect(only?.Principal).toEqual({
      AWS: ['on-snapshot', 'on-schedule', 'start-export', 'check-export', 'waits'].map(
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
    // The home key and the hub's regional keys (the hub's key policies admit the access roles).
    expect(withAction('MemberAccessRole', 'kms:CreateGrant').map((s) => s.Resource)).toEqual([hubKeys]);
  });

  it("scopes the access role's RDS actions to the account's sources as far as IAM allows", () => {
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
    // The home bucket, and the hub's regional buckets, which must be the hub account's: the name
    // pattern could match another account's bucket (s3:ResourceAccount).
    const ownedByHub = { 's3:ResourceAccount': HUB.hubAccountId };
    expect(s3).toHaveLength(6);
    for (const s of s3) {
      const regional = s.Sid?.endsWith('RegionalBuckets') === true;
      const target = regional ? regionalBuckets : bucket;
      const objects = actionsOf(s).some((a) => /^s3:(Put|Get|Delete)Object/.test(a));
      if (objects) expect(s.Resource).toBe(`${target}/${MEMBER.accountId}/*`);
      else expect(s.Resource).toBe(target);
      if (actionsOf(s).includes('s3:ListBucket')) {
        expect(actionsOf(s)).toEqual(['s3:ListBucket']);
        expect(s.Condition).toEqual({
          StringLike: { 's3:prefix': `${MEMBER.accountId}/*` },
          ...(regional ? { StringEquals: ownedByHub } : {}),
        });
      } else if (regional) expect(s.Condition).toEqual({ StringEquals: ownedByHub });
      else expect(s.Condition).toBeUndefined();
    }
    expect(s3.filter((s) => s.Sid?.endsWith('RegionalBuckets')).map((s) => s.Sid)).toEqual([
      'WriteOwnPrefixInRegionalBuckets',
      'ListOwnPrefixInRegionalBuckets',
      'LocateRegionalBuckets',
    ]);
    // Cross-account key use needs the key policy and the caller's IAM policy both (KMS developer
    // guide, "Allowing users in other accounts to use a KMS key"): the hub's keys, in every Region.
    const kms = all.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kms).toHaveLength(1);
    for (const s of kms) expect(s.Resource).toEqual(hubKeys);
    const others = all.filter((s) => !s3.includes(s) && !kms.includes(s));
    expect(others).toEqual([]);
  });

  it("forwards the hub intake's three patterns to the hub's bus with a role that may only put events there", () => {
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    // The patterns of serverless.yml's intake rules (onSnapshot's two, waits' export-finished).
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual(FORWARDED_PATTERNS);
    // Cross-account event bus targets need a role of the sending account (EventBridge user guide,
    // "Sending and receiving Amazon EventBridge events between AWS accounts"). On the default bus:
    // no EventBusName. This instance (eu-west-1) is not in the roles' Region (the hub's,
    // us-east-2): the rules deliver with the forward role by its name.
    for (const rule of rules) {
      expect(rule.Properties.EventBusName).toBeUndefined();
      expect(evaluate(rule.Properties.Targets)).toEqual([
        {
          Id: 'hub-event-bus',
          Arn: HUB.hubEventBusArn,
          RoleArn: `arn:aws:iam::${MEMBER.accountId}:role/${FORWARD_ROLE}`,
        },
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
    // And, like the other roles, only in rolesRegion.
    expect(template.Conditions?.MemberOperatorsSet).toEqual({
      'Fn::And': [{ 'Fn::Equals': ['false', 'true'] }, { Condition: 'CreateRoles' }],
    });
    expect(template.Outputs?.MemberOperatorRoleArn).toMatchObject({ Condition: 'MemberOperatorsSet' });
  });

  it("lets exactly the hub's operators assume the operator role, by ARN", () => {
    expect(withOperators.Conditions?.MemberOperatorsSet).toEqual({
      'Fn::And': [{ 'Fn::Equals': ['true', 'true'] }, { Condition: 'CreateRoles' }],
    });
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

  it('gives the operator role only what cancel, retry and backfill do in the account', () => {
    const all = roleStatements(withOperators, 'MemberOperatorRole').map((s) => evaluate(s) as Statement);
    expect(all.every((s) => s.Effect === 'Allow' && s.Condition === undefined)).toBe(true);
    const scopes = Object.fromEntries(all.flatMap((s) => actionsOf(s).map((a) => [a, asList(s.Resource)])));
    // Retry re-describes the snapshot or the cluster, backfill lists the snapshots (Service
    // Authorization Reference, Amazon RDS: snapshot and db; cluster-snapshot and cluster; cluster:
    // a listing is the same action, and tags come in the descriptions' TagList); DescribeExportTasks and
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

describe('member stack in several Regions (rolesRegion)', () => {
  const roles = (t: Template) => Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
  const rules = (t: Template) => Object.values(t.Resources).filter((r) => r.Type === 'AWS::Events::Rule');

  it("creates the roles in one Region only: the hub's by default, rolesRegion when given", () => {
    expect(template.Conditions?.CreateRoles).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-2'] });
    expect(rolesHere.Conditions?.CreateRoles).toEqual({
      'Fn::Equals': [{ Ref: 'AWS::Region' }, MEMBER.region],
    });
    for (const t of [template, rolesHere]) {
      expect(roles(t).map(([id, r]) => [id, r.Condition])).toEqual([
        ['ForwardToHubRole', 'CreateRoles'],
        ['MemberExportRole', 'CreateRoles'],
        ['MemberAccessRole', 'CreateRoles'],
        // CreateRoles too (MemberOperatorsSet: hubOperatorRoleArns given, and CreateRoles).
        ['MemberOperatorRole', 'MemberOperatorsSet'],
      ]);
      // The rules exist in every Region; the role outputs only where the roles are.
      expect(rules(t).map((r) => r.Condition)).toEqual([undefined, undefined, undefined]);
      expect(t.Outputs?.MemberAccessRoleArn).toMatchObject({ Condition: 'CreateRoles' });
      expect(t.Outputs?.MemberExportRoleArn).toMatchObject({ Condition: 'CreateRoles' });
    }
  });

  it('names the forward role, which the rules of every Region deliver with', () => {
    const named = rolesHere.Resources.ForwardToHubRole?.Properties.RoleName;
    expect(named).toBe(FORWARD_ROLE);
    // In the roles' Region through GetAtt (created first), elsewhere by the same name.
    for (const rule of rules(rolesHere))
      expect(evaluate(rule.Properties.Targets, rolesHere)).toEqual([
        { Id: 'hub-event-bus', Arn: HUB.hubEventBusArn, RoleArn: '<ForwardToHubRole.Arn>' },
      ]);
    for (const rule of rules(template))
      expect((evaluate(rule.Properties.Targets) as { RoleArn: string }[])[0]?.RoleArn).toBe(
        `arn:aws:iam::${MEMBER.accountId}:role/${named}`,
      );
  });

  it('refuses a rolesRegion that is no Region name at packaging', () => {
    expect(badRolesRegion.code).not.toBe(0);
    expect(badRolesRegion.output).toMatch(/rolesRegion: "Ireland" is not a Region name/);
  });
});
