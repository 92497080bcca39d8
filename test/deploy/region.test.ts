import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_ROLE_KMS_ACTIONS } from '#shared/sources/rds/policy-statements.ts';
import {
  actionsOf,
  dependencyCycle,
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

const require = createRequire(import.meta.url);
const { regionalBucketName, region, busRegion } = require('../../scripts/regions.cjs') as {
  regionalBucketName: (service: string, stage: string, stackRegion: string) => string;
  region: (name: string, value: string) => string;
  busRegion: (arn: string) => string;
};

// The hub is in us-east-1; the regional stack is packaged for eu-west-1 (slsPackage's Region), in
// the hub's account.
const HUB_REGION = 'us-east-1';
const PLACE = { partition: 'aws', region: 'eu-west-1', accountId: '999988887777' };
const MEMBERS = { organizationId: 'o-exampleorgid', memberAccountIds: '111122223333, 444455556666' };

const temp: string[] = [];
let alone: Template;
let withMembers: Template;
let sameRegion: { code: number | null; output: string };

// Three packagings, each from its own copy of the repo: a hub without members, a hub with an organization and
// listed accounts, and hubRegion = the stack's own Region (refused). None bundles anything.
beforeAll(async () => {
  const dirs = [0, 1, 2].map(() => mkdtempSync(path.join(tmpdir(), 'rds-export-region-')));
  temp.push(...dirs);
  const [a, b, c] = dirs as [string, string, string];
  // A copy each: packagings at once in one service directory race on its .serverless folder.
  const regional = (dir: string, params: Record<string, string>) => {
    const service = serviceCopy();
    temp.push(service);
    return slsPackage(service, dir, params, 'serverless.region.yml');
  };
  const [p1, p2, p3] = await Promise.all([
    regional(a, { hubRegion: HUB_REGION }),
    regional(b, { hubRegion: HUB_REGION, ...MEMBERS }),
    regional(c, { hubRegion: PLACE.region }),
  ]);
  for (const p of [p1, p2])
    if (p.code !== 0) throw new Error(`serverless package of the regional stack failed:\n${p.output}`);
  alone = readTemplate(a);
  withMembers = readTemplate(b);
  sameRegion = p3;
});

afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

const resource = (t: Template, id: string): Resource => {
  const r = t.Resources[id];
  if (r === undefined) throw new Error(`template has no ${id}`);
  return r;
};
const evaluate = (t: Template, value: unknown) => evaluator(t, PLACE)(value);
const policy = (t: Template, id: string, property: string) =>
  evaluate(t, (resource(t, id).Properties[property] as { Statement: Statement[] }).Statement) as Statement[];
const keyPolicy = (t: Template) => policy(t, 'ExportKey', 'KeyPolicy');
const bucketPolicy = (t: Template) => policy(t, 'ExportBucketPolicy', 'PolicyDocument');

const BUCKET = '<ExportBucket.Arn>';
const memberRole = (kind: string) => `arn:aws:iam::*:role/rds-export-test-member-${kind}`;
const inOrganization = (kind: string) => ({
  StringEquals: { 'aws:PrincipalOrgID': MEMBERS.organizationId },
  ArnLike: { 'aws:PrincipalArn': memberRole(kind) },
});
const inListedAccounts = (kind: string) => ({
  StringEquals: { 'aws:PrincipalAccount': ['111122223333', '444455556666'] },
  ArnLike: { 'aws:PrincipalArn': memberRole(kind) },
});

describe("regional stack (serverless.region.yml): the hub's bucket and key in another Region", () => {
  it('names the bucket <service>-<stage>-<account>-<region>, kept, and encrypted with its own key', () => {
    for (const t of [alone, withMembers]) {
      const bucket = resource(t, 'ExportBucket');
      expect(evaluate(t, bucket.Properties.BucketName)).toBe(`rds-export-test-${PLACE.accountId}-eu-west-1`);
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.UpdateReplacePolicy).toBe('Retain');
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': ['ExportKey', 'Arn'] },
            },
            BucketKeyEnabled: true,
          },
        ],
      });
      // As the home bucket (resources/destination.yml): no versioning, no lifecycle rules.
      expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
      expect(bucket.Properties.LifecycleConfiguration).toBeUndefined();
    }
  });

  it('blocks public access, enforces the bucket owner and denies requests without TLS', () => {
    for (const t of [alone, withMembers]) {
      const bucket = resource(t, 'ExportBucket');
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.OwnershipControls).toEqual({
        Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
      });
      expect(bucketPolicy(t)[0]).toEqual({
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [BUCKET, `${BUCKET}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
    }
    // Without members the bucket policy says nothing else: the hub's own roles write through IAM.
    expect(bucketPolicy(alone)).toHaveLength(1);
  });

  it("lets a member's export role write under its own account's prefix only", () => {
    const allows = bucketPolicy(withMembers).filter((s) => s.Effect === 'Allow');
    expect(allows.map((s) => s.Sid)).toEqual([
      'MemberExportRolesWriteOwnPrefixInOrganization',
      'MemberExportRolesListOwnPrefixInOrganization',
      'MemberExportRolesLocateBucketInOrganization',
      'MemberExportRolesWriteOwnPrefixInListedAccounts',
      'MemberExportRolesListOwnPrefixInListedAccounts',
      'MemberExportRolesLocateBucketInListedAccounts',
    ]);
    for (const s of allows) {
      expect(s.Principal).toBe('*');
      const where = s.Sid?.endsWith('InOrganization') ? inOrganization : inListedAccounts;
      if (actionsOf(s).includes('s3:ListBucket')) {
        expect(s.Resource).toBe(BUCKET);
        expect(s.Condition).toEqual({
          ...where('export'),
          StringLike: { 's3:prefix': `\${aws:PrincipalAccount}/*` },
        });
      } else if (actionsOf(s).includes('s3:GetBucketLocation')) {
        expect(s.Resource).toBe(BUCKET);
        expect(s.Condition).toEqual(where('export'));
      } else {
        // The objects under the principal's own account ID (a policy variable), nothing else.
        expect(actionsOf(s)).toEqual(['s3:PutObject*', 's3:GetObject*', 's3:DeleteObject*']);
        expect(s.Resource).toBe(`${BUCKET}/\${aws:PrincipalAccount}/*`);
        expect(s.Condition).toEqual(where('export'));
      }
    }
  });

  it("has a rotated, kept key, aliased as the hub's home key, administered by the account and used by the members' roles", () => {
    for (const t of [alone, withMembers]) {
      const key = resource(t, 'ExportKey');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
      const alias = resource(t, 'ExportKeyAlias');
      expect(alias.Properties.AliasName).toBe('alias/rds-export-test-export');
      expect([alias.DeletionPolicy, alias.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
      // The account's root: the hub's export role and functions use the key through their IAM
      // policies (the root statement enables them).
      expect(keyPolicy(t)[0]).toEqual({
        Sid: 'AccountAdministersKey',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${PLACE.accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      });
    }
    expect(keyPolicy(alone)).toHaveLength(1);
    expect(keyPolicy(withMembers).slice(1)).toEqual([
      {
        Sid: 'MemberExportRolesUseKeyInOrganization',
        Effect: 'Allow',
        Principal: '*',
        Action: EXPORT_ROLE_KMS_ACTIONS,
        Resource: '*',
        Condition: inOrganization('export'),
      },
      {
        Sid: 'MemberExportRolesUseKeyInListedAccounts',
        Effect: 'Allow',
        Principal: '*',
        Action: EXPORT_ROLE_KMS_ACTIONS,
        Resource: '*',
        Condition: inListedAccounts('export'),
      },
      {
        Sid: 'MemberAccessRolesStartExportsInOrganization',
        Effect: 'Allow',
        Principal: '*',
        Action: ['kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
        Condition: inOrganization('access'),
      },
      {
        Sid: 'MemberAccessRolesStartExportsInListedAccounts',
        Effect: 'Allow',
        Principal: '*',
        Action: ['kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
        Condition: inListedAccounts('access'),
      },
    ]);
  });

  it("forwards the account's RDS events to the hub's intake bus in hubRegion with a role that may only put events there", () => {
    const intake: [Template, string][] = [
      // Without members: the hub Region's default bus, where the hub's own intake rules are.
      [alone, `arn:aws:events:${HUB_REGION}:${PLACE.accountId}:event-bus/default`],
      // With members: the hub's bus (resources/organization.yml), which has the intake rules too.
      [withMembers, `arn:aws:events:${HUB_REGION}:${PLACE.accountId}:event-bus/rds-export-test-hub`],
    ];
    for (const [t, bus] of intake) {
      const rules = Object.values(t.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
      // The hub intake's patterns (serverless.yml onSnapshot's two, waits' export-finished).
      expect(rules.map((r) => r.Properties.EventPattern)).toEqual(FORWARDED_PATTERNS);
      for (const rule of rules) {
        // On this Region's default bus, where RDS and AWS Backup put their events.
        expect(rule.Properties.EventBusName).toBeUndefined();
        expect(rule.Properties.State).toBe('ENABLED');
        expect(evaluate(t, rule.Properties.Targets)).toEqual([
          { Id: 'hub-event-bus', Arn: bus, RoleArn: '<ForwardToHubRole.Arn>' },
        ]);
      }
      expect(evaluate(t, resource(t, 'ForwardToHubRole').Properties.AssumeRolePolicyDocument)).toEqual({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      });
      expect(roleStatements(t, 'ForwardToHubRole').map((s) => evaluate(t, s))).toEqual([
        { Sid: 'PutEventsOnTheHubBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: bus },
      ]);
      // The one role of the stack: it creates no export role (the hub's own exports here).
      expect(Object.values(t.Resources).filter((r) => r.Type === 'AWS::IAM::Role')).toHaveLength(1);
    }
  });

  it('outputs the bucket name and key ARN that export-policy.yml `regions:` names', () => {
    for (const t of [alone, withMembers]) {
      expect(t.Outputs?.ExportBucketName?.Value).toEqual({ Ref: 'ExportBucket' });
      expect(t.Outputs?.ExportKmsKeyArn?.Value).toEqual({ 'Fn::GetAtt': ['ExportKey', 'Arn'] });
    }
  });

  it('has no literal of the account, so one template serves any hub account', () => {
    for (const t of [alone, withMembers]) {
      const text = ['111122223333', '444455556666'].reduce(
        (s, id) => s.replaceAll(id, ''),
        JSON.stringify(t.Resources),
      );
      expect(text.match(/\b\d{12}\b/g) ?? []).toEqual([]);
      expect(text).not.toContain('arn:aws:');
    }
  });

  it('has no dependency cycle (CloudFormation refuses one)', () => {
    for (const t of [alone, withMembers]) expect(dependencyCycle(t)).toBeUndefined();
  });

  it("refuses the hub's own Region at packaging", () => {
    expect(sameRegion.code).not.toBe(0);
    expect(sameRegion.output).toMatch(/hubRegion: the hub itself is in eu-west-1/);
  });
});

describe('scripts/regions.cjs', () => {
  it("refuses a regional bucket name longer than S3's 63 characters", () => {
    // The longest Region names have 14 characters: a stage of 24 fits, of 25 does not.
    expect(regionalBucketName('rds-export', 'a'.repeat(24), 'ap-southeast-5')).toHaveLength(63);
    expect(() => regionalBucketName('rds-export', 'a'.repeat(25), 'ap-southeast-5')).toThrow(/63/);
    // Bucket names are lowercase.
    expect(() => regionalBucketName('rds-export', 'Prod', 'eu-west-1')).toThrow(/lowercase/);
  });

  it('reads Region names and the Region of a bus ARN, and refuses what is neither', () => {
    for (const name of ['us-east-1', 'ap-southeast-5', 'us-gov-west-1', 'eu-central-2'])
      expect(region('hubRegion', name)).toBe(name);
    for (const bad of ['', 'Ireland', 'eu-west', 'us-east-1 '])
      expect(() => region('hubRegion', bad)).toThrow(/not a Region name/);
    expect(busRegion('arn:aws:events:us-east-2:111122223333:event-bus/rds-export-prod-hub')).toBe(
      'us-east-2',
    );
    expect(() => busRegion('arn:aws:sqs:us-east-2:111122223333:queue')).toThrow(/not an event bus ARN/);
  });
});
