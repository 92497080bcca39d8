import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { hubGrantChecks } from '#bin/ops/doctor.ts';
import {
  actionsOf,
  allStatements,
  asList,
  condition,
  dependencyCycle,
  evaluator,
  packageService,
  type Resource,
  resolveIfs,
  roleStatements,
  type Statement,
  type Template,
} from './cloudformation.ts';
import { sdkOperations } from './sdk-calls.ts';

const require = createRequire(import.meta.url);
const { organizationId, memberAccountIds, checkBusPolicySize } =
  require('../../scripts/organization.cjs') as {
    organizationId: (value: string) => string;
    memberAccountIds: (value: string) => string[];
    checkBusPolicySize: (accountIds: string[], orgId: string, busName: string) => number;
  };

// The organization and two accounts outside it: both kinds of member at once, in one packaging.
const MEMBERS = { organizationId: 'o-exampleorgid', memberAccountIds: '111122223333, 444455556666' };
const ACCOUNTS = ['111122223333', '444455556666'];
// The roles that act on sources in a member account, and the names serverless.member.yml trusts.
const SOURCE_ROLES: Record<string, string> = {
  OnSnapshotRole: 'rds-export-test-eu-west-1-on-snapshot',
  OnScheduleRole: 'rds-export-test-eu-west-1-on-schedule',
  StartExportRole: 'rds-export-test-eu-west-1-start-export',
  CheckExportRole: 'rds-export-test-eu-west-1-check-export',
  WaitsRole: 'rds-export-test-eu-west-1-waits',
};
const MEMBER_ACCESS_ROLE = {
  'Fn::Sub': `arn:\${AWS::Partition}:iam::*:role/rds-export-test-member-access`,
};
const MEMBER_EXPORT_ROLE = {
  'Fn::Sub': `arn:\${AWS::Partition}:iam::*:role/rds-export-test-member-export`,
};
const HUB_RULES = ['HubRdsSnapshotRule', 'HubBackupJobRule', 'HubExportEventsRule'];

let single: Template;
let hub: Template;

// The repo as is (shared with the other files) and one packaging with members.
beforeAll(async () => {
  [{ template: single }, { template: hub }] = await Promise.all([
    packageService(),
    packageService({ params: MEMBERS }),
  ]);
});

const exists = (t: Template, r: Resource) => r.Condition === undefined || condition(t, r.Condition);
const created = (t: Template, id: string) => {
  const r = t.Resources[id];
  return r !== undefined && exists(t, r) ? r : undefined;
};
const resource = (t: Template, id: string) => {
  const r = created(t, id);
  if (r === undefined) throw new Error(`the stack creates no ${id}`);
  return r;
};
const policyStatements = (t: Template, id: string, property: string) =>
  resolveIfs(
    t,
    (resource(t, id).Properties[property] as { Statement: Statement[] }).Statement,
  ) as Statement[];
const roles = (t: Template) =>
  Object.entries(t.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Role' && exists(t, r))
    .map(([id]) => id);
const assumeStatements = (t: Template, role: string) =>
  roleStatements(t, role).filter((s) => actionsOf(s).some((a) => a.startsWith('sts:')));
const memberStatements = (statements: Statement[]) =>
  statements.filter((s) => s.Sid?.startsWith('MemberExportRoles'));
const variables = (t: Template, id: string) =>
  resolveIfs(
    t,
    (resource(t, id).Properties.Environment as { Variables: Record<string, unknown> }).Variables,
  ) as Record<string, unknown>;

describe('organization parameters (scripts/organization.cjs)', () => {
  it('refuses a malformed organization ID or account ID, so no policy admits nobody', () => {
    // Organizations API reference, Organization Id: ^o-[a-z0-9]{10,32}$.
    expect(organizationId('o-exampleorgid')).toBe('o-exampleorgid');
    expect(organizationId('')).toBe('');
    expect(() => organizationId('exampleorgid')).toThrow(/organizationId/);
    expect(memberAccountIds('111122223333, 444455556666,111122223333')).toEqual(ACCOUNTS);
    expect(memberAccountIds('')).toEqual([]);
    expect(() => memberAccountIds('111122223333,12345')).toThrow(/12345/);
  });

  it("refuses an account list the hub bus's policy cannot hold", () => {
    // EventBridge user guide, "Amazon EventBridge quotas": event bus policy size 10,240 characters.
    const ids = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i));
    expect(checkBusPolicySize(ids(200), 'o-exampleorgid', 'rds-export-prod-hub')).toBeLessThanOrEqual(10240);
    expect(() => checkBusPolicySize(ids(400), '', 'rds-export-prod-hub')).toThrow(/10240/);
  });
});

describe('hub with member accounts (organizationId, memberAccountIds)', () => {
  it('creates the hub bus, open to PutEvents from the organization and from the listed accounts only', () => {
    expect(resource(hub, 'HubEventBus').Properties.Name).toBe('rds-export-test-hub');
    const bus = { 'Fn::GetAtt': ['HubEventBus', 'Arn'] };
    // A bus may admit an organization's accounts (aws:PrincipalOrgID) or accounts by ID (EventBridge
    // user guide, "Sending and receiving Amazon EventBridge events between AWS accounts"), and only
    // the events of given rules (aws:SourceArn, the sending rule's ARN: EventBridge user guide,
    // "Example policy: Send events from specific rules to an Amazon EventBridge bus in a different
    // Region"): the member stacks' forwarding rules, in any Region.
    const fromMemberRules = {
      'aws:SourceArn': { 'Fn::Sub': `arn:\${AWS::Partition}:events:*:*:rule/rds-export-member-test-*` },
    };
    expect(resource(hub, 'HubEventBusOrganizationPolicy').Properties).toEqual({
      EventBusName: { Ref: 'HubEventBus' },
      StatementId: 'organization',
      Statement: {
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: bus,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorgid' }, ArnLike: fromMemberRules },
      },
    });
    expect(resource(hub, 'HubEventBusAccountsPolicy').Properties).toEqual({
      EventBusName: { Ref: 'HubEventBus' },
      StatementId: 'member-accounts',
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: ACCOUNTS.map((id) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::${id}:root` })) },
        Action: 'events:PutEvents',
        Resource: bus,
        Condition: { ArnLike: fromMemberRules },
      },
    });
    expect(hub.Outputs?.HubEventBusArn?.Value).toEqual(bus);
  });

  it('matches the intake patterns on the hub bus too, with the same targets, retries and dead-letter queue', () => {
    const onDefaultBus = (pattern: unknown) =>
      Object.values(single.Resources).find(
        (r) =>
          r.Type === 'AWS::Events::Rule' &&
          JSON.stringify(r.Properties.EventPattern) === JSON.stringify(pattern),
      );
    for (const id of HUB_RULES) {
      const rule = resource(hub, id).Properties;
      expect(rule.EventBusName, id).toEqual({ Ref: 'HubEventBus' });
      const twin = onDefaultBus(rule.EventPattern);
      expect(twin, id).toBeDefined();
      const withoutId = (targets: unknown) =>
        asList(targets as Record<string, unknown>[]).map(({ Id: _, ...rest }) => rest);
      expect(withoutId(rule.Targets), id).toEqual(withoutId(twin?.Properties.Targets));
      const invoke = Object.values(hub.Resources).filter(
        (r) =>
          r.Type === 'AWS::Lambda::Permission' &&
          JSON.stringify(r.Properties.SourceArn) === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }),
      );
      expect(invoke, id).toHaveLength(1);
      expect(invoke[0]?.Properties.FunctionName, id).toEqual(
        (asList(rule.Targets as { Arn: unknown }[])[0] as { Arn: unknown }).Arn,
      );
    }
    const [deadLetters] = policyStatements(hub, 'OnSnapshotDeadLetterQueuePolicy', 'PolicyDocument');
    // A rule on a custom bus has the bus's name in its ARN (rule/<bus>/<rule>).
    for (const name of [
      'rds-export-test-hub-rds-snapshot-events',
      'rds-export-test-hub-backup-job-completed',
    ]) {
      expect(asList(deadLetters?.Condition?.ArnEquals?.['aws:SourceArn'])).toContainEqual({
        'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/rds-export-test-hub/${name}`,
      });
    }
  });

  it("lets exactly the five roles that act on sources assume the members' access role, and nothing else", () => {
    for (const role of roles(hub)) {
      const assume = assumeStatements(hub, role);
      if (role in SOURCE_ROLES) {
        expect(assume, role).toEqual([
          {
            Sid: 'AssumeMemberAccessRoles',
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Resource: MEMBER_ACCESS_ROLE,
          },
        ]);
      } else expect(assume, role).toEqual([]);
    }
  });

  it('grants sts:AssumeRole to exactly the functions whose code assumes a member role', () => {
    // sdk-calls.ts counts fromTemporaryCredentials (shared/aws/member-clients.ts) as STS AssumeRole.
    const FUNCTION_ROLES: Record<string, string> = {
      'on-snapshot': 'OnSnapshotRole',
      'on-schedule': 'OnScheduleRole',
      'start-export': 'StartExportRole',
      'check-export': 'CheckExportRole',
      waits: 'WaitsRole',
      'register-export': 'RegisterExportRole',
      notify: 'NotifyRole',
      prune: 'PruneRole',
    };
    const assuming = Object.entries(FUNCTION_ROLES)
      .filter(([dir]) => sdkOperations(`functions/${dir}`).get('sts')?.has('AssumeRole'))
      .map(([, role]) => role)
      .sort();
    expect(assuming).toEqual(Object.keys(SOURCE_ROLES).sort());
  });

  it("admits the members' export roles to the bucket under their own account's prefix only", () => {
    const statements = memberStatements(policyStatements(hub, 'ExportBucketPolicy', 'PolicyDocument'));
    const inOrganization = { StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorgid' } };
    const inAccounts = { StringEquals: { 'aws:PrincipalAccount': ACCOUNTS } };
    const role = { ArnLike: { 'aws:PrincipalArn': MEMBER_EXPORT_ROLE } };
    // ${aws:PrincipalAccount} as a policy variable (IAM user guide, "IAM policy elements: Variables
    // and tags"), escaped for Fn::Sub.
    const ownPrefix = { 'Fn::Sub': `\${ExportBucket.Arn}/\${!aws:PrincipalAccount}/*` };
    const listOwnPrefix = { StringLike: { 's3:prefix': { 'Fn::Sub': `\${!aws:PrincipalAccount}/*` } } };
    const bucket = { 'Fn::GetAtt': ['ExportBucket', 'Arn'] };
    const objects = ['s3:PutObject*', 's3:GetObject*', 's3:DeleteObject*'];
    expect(statements.map(({ Sid: _, ...s }) => s)).toEqual(
      [inOrganization, inAccounts].flatMap((who) => [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: objects,
          Resource: ownPrefix,
          Condition: { ...who, ...role },
        },
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:ListBucket',
          Resource: bucket,
          Condition: { ...who, ...role, ...listOwnPrefix },
        },
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetBucketLocation',
          Resource: bucket,
          Condition: { ...who, ...role },
        },
      ]),
    );
  });

  it("lets the members' export roles use the key as the hub's export role does", () => {
    const key = policyStatements(hub, 'ExportKey', 'KeyPolicy');
    const own = key.find((s) => s.Sid === 'ExportRoleUsesKey');
    const members = memberStatements(key);
    expect(members.map((s) => s.Condition)).toEqual([
      {
        StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorgid' },
        ArnLike: { 'aws:PrincipalArn': MEMBER_EXPORT_ROLE },
      },
      {
        StringEquals: { 'aws:PrincipalAccount': ACCOUNTS },
        ArnLike: { 'aws:PrincipalArn': MEMBER_EXPORT_ROLE },
      },
    ]);
    for (const s of members) {
      expect(s.Principal).toBe('*');
      expect(actionsOf(s).sort()).toEqual(actionsOf(own as Statement).sort());
    }
  });

  it("lets the members' access roles only create a grant and describe the key, as StartExportTask's caller must", () => {
    // "The caller of this operation must be authorized to run ... kms:CreateGrant, kms:DescribeKey"
    // (RDS API reference, StartExportTask KmsKeyId).
    const access = policyStatements(hub, 'ExportKey', 'KeyPolicy').filter((s) =>
      s.Sid?.startsWith('MemberAccessRoles'),
    );
    expect(access.map((s) => s.Condition)).toEqual([
      {
        StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorgid' },
        ArnLike: { 'aws:PrincipalArn': MEMBER_ACCESS_ROLE },
      },
      {
        StringEquals: { 'aws:PrincipalAccount': ACCOUNTS },
        ArnLike: { 'aws:PrincipalArn': MEMBER_ACCESS_ROLE },
      },
    ]);
    for (const s of access) expect(actionsOf(s).sort()).toEqual(['kms:CreateGrant', 'kms:DescribeKey']);
  });

  it('admits "*" principals only with a member role and the organization or a listed account', () => {
    const open = allStatements(hub)
      .map(({ statement }) => resolveIfs(hub, statement) as Statement)
      .filter((s) => s.Principal === '*' && s.Effect === 'Allow');
    // The bus's organization statement, and three bucket and two key statements per kind of member.
    expect(open).toHaveLength(11);
    for (const s of open) {
      if (s.Action === 'events:PutEvents') continue; // the bus policy: its organization condition, above
      const role = s.Sid?.startsWith('MemberAccessRoles') ? MEMBER_ACCESS_ROLE : MEMBER_EXPORT_ROLE;
      expect(s.Condition?.ArnLike, s.Sid).toEqual({ 'aws:PrincipalArn': role });
      const who = Object.keys(s.Condition?.StringEquals ?? {});
      expect(
        who.length === 1 && ['aws:PrincipalOrgID', 'aws:PrincipalAccount'].includes(who[0] as string),
      ).toBe(true);
    }
  });

  it('gives every function the role names a member stack creates, and the hub account', () => {
    for (const [id, r] of Object.entries(hub.Resources)) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      expect(variables(hub, id), id).toMatchObject({
        DEPLOYMENT_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
        MEMBER_ROLE_NAME: 'rds-export-test-member-access',
        MEMBER_EXPORT_ROLE_NAME: 'rds-export-test-member-export',
      });
    }
  });

  it('has no circular dependency between resources', () => {
    expect(dependencyCycle(hub)).toBeUndefined();
  });
});

describe('hub without member accounts (single account)', () => {
  it('creates no hub bus, hub rules or their permissions', () => {
    expect(condition(single, 'OrganizationEnabled')).toBe(false);
    for (const [id, r] of Object.entries(single.Resources)) {
      if (id.startsWith('Hub')) expect(exists(single, r), id).toBe(false);
    }
    // Its output is conditional too: no bus, no output.
    expect((single.Outputs?.HubEventBusArn as { Condition?: string } | undefined)?.Condition).toBe(
      'OrganizationEnabled',
    );
  });

  it('grants no role sts:AssumeRole, and no member statement in the bucket or key policy', () => {
    for (const role of roles(single)) expect(assumeStatements(single, role), role).toEqual([]);
    expect(memberStatements(policyStatements(single, 'ExportBucketPolicy', 'PolicyDocument'))).toEqual([]);
    expect(memberStatements(policyStatements(single, 'ExportKey', 'KeyPolicy'))).toEqual([]);
  });

  it('sets the member role names to "" for every function', () => {
    for (const [id, r] of Object.entries(single.Resources)) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      expect(variables(single, id), id).toMatchObject({
        DEPLOYMENT_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
        MEMBER_ROLE_NAME: '',
        MEMBER_EXPORT_ROLE_NAME: '',
      });
    }
  });
});

describe('hub function role names', () => {
  it('names the five roles that act on sources after service, stage and Region, with or without members', () => {
    for (const t of [single, hub]) {
      for (const [role, name] of Object.entries(SOURCE_ROLES)) {
        expect(resource(t, role).Properties.RoleName, role).toBe(name);
      }
    }
  });

  it("keeps the names within IAM's 64 characters for a 24-character stage in the longest Region name", () => {
    // IAM user guide, "IAM and AWS STS quotas": role names up to 64 characters. The longest suffix is
    // check-export / start-export; the longest Region names have 15 characters (us-isof-south-1).
    const longest = Object.values(SOURCE_ROLES)
      .map((name) => name.replace('-test-', `-${'s'.repeat(24)}-`).replace('eu-west-1', 'us-isof-south-1'))
      .reduce((a, b) => (a.length >= b.length ? a : b));
    expect(longest.length).toBeLessThanOrEqual(64);
  });
});

describe('rds-export doctor on a hub (bin/ops/doctor.ts hubGrantChecks)', () => {
  // The policies as CloudFormation resolves them in the hub's account.
  const policyOf = (t: Template, id: string, property: string) => ({
    statements: evaluator(t, { partition: 'aws', region: 'eu-west-1', accountId: '999988887777' })(
      (resource(t, id).Properties[property] as { Statement: Statement[] }).Statement,
    ) as never,
  });

  it("passes the bucket and key policies the hub's stack writes for its members", () => {
    const results = hubGrantChecks(
      'test',
      policyOf(hub, 'ExportKey', 'KeyPolicy'),
      policyOf(hub, 'ExportBucketPolicy', 'PolicyDocument'),
    );
    expect(results.map((r) => r.check)).toEqual([
      'key admits member export roles',
      'key admits member access roles',
      'bucket admits member export roles in their folder',
    ]);
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  it('fails them for a bucket and key that admit no member: a single-account deployment’s, or a bucket of your own', () => {
    const results = hubGrantChecks(
      'test',
      policyOf(single, 'ExportKey', 'KeyPolicy'),
      policyOf(single, 'ExportBucketPolicy', 'PolicyDocument'),
    );
    expect(results.map((r) => r.ok)).toEqual([false, false, false]);
    expect(results[0]?.fix).toContain('resources/member-grants.yml');
  });
});
