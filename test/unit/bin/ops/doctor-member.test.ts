import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import {
  GetRoleCommand,
  IAMClient,
  NoSuchEntityException,
  SimulatePrincipalPolicyCommand,
  type SimulatePrincipalPolicyCommandInput,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '#bin/command.ts';
import { type CheckResult, doctorClients } from '#bin/ops/doctor.ts';
import { doctorCommand } from '#bin/ops/doctor-command.ts';
import { hubOfMember, hubRoleArns, memberNames, runMemberDoctor } from '#bin/ops/doctor-member.ts';

const iam = mockClient(IAMClient);
const events = mockClient(EventBridgeClient);
const MEMBER = '222222222222';
const HUB = {
  stage: 'prod',
  busArn: 'arn:aws:events:eu-west-1:111111111111:event-bus/rds-export-prod-hub',
  bucket: 'hub-exports',
  kmsKey: 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-2222-4222-8333-944455556666',
};
const names = memberNames('prod');
const FORWARD_ROLE = `arn:aws:iam::${MEMBER}:role/rds-export-member-prod-ForwardToHubRole-AbC`;

const policy = (statement: object) =>
  encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: [statement] }));
const role = (name: string, trust: object) => ({
  Role: {
    Path: '/',
    RoleName: name,
    RoleId: 'AROA',
    Arn: `arn:aws:iam::${MEMBER}:role/${name}`,
    CreateDate: new Date(0),
    AssumeRolePolicyDocument: policy(trust),
  },
});

/** The member stack as deployed: object actions only under `<account>/`, everything else allowed. */
function simulator(outsideAllowed = false) {
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: SimulatePrincipalPolicyCommandInput) => ({
    EvaluationResults: (input.ActionNames ?? []).map((action) => {
      const resource = input.ResourceArns?.[0] ?? '';
      const object = /^s3:(Put|Get|Delete)Object$/.test(action);
      const inside = resource.includes(`:s3:::${HUB.bucket}/${MEMBER}/`);
      return {
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: !object || inside || outsideAllowed ? 'allowed' : 'implicitDeny',
      };
    }),
    IsTruncated: false,
  }));
}

const clients = () => doctorClients({}, 'eu-west-1');
const failed = (results: CheckResult[]) => results.filter((r) => !r.ok).map((r) => `${r.check}: ${r.detail}`);

beforeEach(() => {
  iam.reset();
  events.reset();
  iam.on(GetRoleCommand, { RoleName: names.exportRole }).resolves(
    role(names.exportRole, {
      Effect: 'Allow',
      Principal: { Service: 'export.rds.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': MEMBER } },
    }),
  );
  iam.on(GetRoleCommand, { RoleName: names.accessRole }).resolves(
    role(names.accessRole, {
      Effect: 'Allow',
      Principal: { AWS: hubRoleArns(HUB) },
      Action: 'sts:AssumeRole',
    }),
  );
  iam.on(GetRoleCommand, { RoleName: 'rds-export-member-prod-ForwardToHubRole-AbC' }).resolves(
    role('rds-export-member-prod-ForwardToHubRole-AbC', {
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sts:AssumeRole',
    }),
  );
  simulator();
  events.on(DescribeRuleCommand).resolves({ State: 'ENABLED' });
  events
    .on(ListTargetsByRuleCommand)
    .resolves({ Targets: [{ Id: 'hub', Arn: HUB.busArn, RoleArn: FORWARD_ROLE }] });
});

describe('rds-export doctor --member', () => {
  it('passes a member stack deployed against the hub, calling only reads and simulations', async () => {
    const results = await runMemberDoctor(clients(), HUB);
    expect(failed(results)).toEqual([]);
    expect(results.map((r) => r.check)).toEqual([
      'member export role exists',
      'member export role trust',
      'member export role writes its folder',
      'member export role stays in its folder',
      'member export role uses the hub key',
      'member access role exists',
      'member access role trust',
      'member access role starts exports',
      ...names.rules.flatMap((rule) => [`rule ${rule}`, `rule ${rule} forwards to the hub`]),
    ]);
    const calls = [...iam.calls(), ...events.calls()].map((c) => (c.args[0] as object).constructor.name);
    expect(calls.filter((name) => !/^(Get|List|Describe|Simulate)/.test(name))).toEqual([]);
    // The access role's trust names the hub's five function roles by ARN (serverless.yml RoleName).
    expect(hubRoleArns(HUB)).toEqual([
      'arn:aws:iam::111111111111:role/rds-export-prod-eu-west-1-on-snapshot',
      'arn:aws:iam::111111111111:role/rds-export-prod-eu-west-1-on-schedule',
      'arn:aws:iam::111111111111:role/rds-export-prod-eu-west-1-start-export',
      'arn:aws:iam::111111111111:role/rds-export-prod-eu-west-1-check-export',
      'arn:aws:iam::111111111111:role/rds-export-prod-eu-west-1-waits',
    ]);
    // The write is simulated under the member's own folder, with the listing's s3:prefix and the
    // bucket's owner, the hub's account (its regional buckets' statements require it).
    const writes = iam
      .commandCalls(SimulatePrincipalPolicyCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.ActionNames?.includes('s3:ListBucket'));
    expect(writes[0]?.ContextEntries).toEqual([
      {
        ContextKeyName: 's3:prefix',
        ContextKeyValues: [`${MEMBER}/rds-export-doctor/`],
        ContextKeyType: 'string',
      },
      { ContextKeyName: 's3:ResourceAccount', ContextKeyValues: ['111111111111'], ContextKeyType: 'string' },
    ]);
  });

  it('checks the hub’s regional buckets and keys too, by the names serverless.region.yml gives them', async () => {
    const results = await runMemberDoctor(clients(), { ...HUB, regions: ['us-west-2'] });
    const regional = results.filter((r) => r.check.endsWith('(us-west-2)'));
    expect(regional.map((r) => r.check)).toEqual([
      'member export role writes its folder (us-west-2)',
      'member export role stays in its folder (us-west-2)',
      'member export role uses the hub key (us-west-2)',
    ]);
    const resources = iam
      .commandCalls(SimulatePrincipalPolicyCommand)
      .flatMap((c) => c.args[0].input.ResourceArns);
    expect(resources).toContain('arn:aws:s3:::rds-export-prod-111111111111-us-west-2');
    expect(resources).toContain(
      `arn:aws:s3:::rds-export-prod-111111111111-us-west-2/${MEMBER}/rds-export-doctor/probe`,
    );
    expect(resources.some((r) => r?.startsWith('arn:aws:kms:us-west-2:111111111111:key/'))).toBe(true);
    // This simulator allows objects under the home bucket's folder only: the regional folder fails.
    expect(regional[0]).toMatchObject({ ok: false });
  });

  it('reports a forwarding rule whose role is missing: none of its events reach the hub', async () => {
    iam
      .on(GetRoleCommand, { RoleName: 'rds-export-member-prod-ForwardToHubRole-AbC' })
      .rejects(new NoSuchEntityException({ message: 'not found', $metadata: {} }));
    const results = await runMemberDoctor(clients(), HUB);
    expect(failed(results)).toEqual(
      names.rules.map(
        (rule) =>
          `rule ${rule} forwards to the hub: its role ${FORWARD_ROLE} does not exist: no event reaches the hub`,
      ),
    );
  });

  it('reports an export role that may write outside its own folder', async () => {
    simulator(true);
    expect(failed(await runMemberDoctor(clients(), HUB))).toEqual([
      `member export role stays in its folder: may s3:PutObject, s3:GetObject, s3:DeleteObject outside ${MEMBER}/`,
    ]);
  });

  it('reports an access role that trusts the whole hub account instead of its function roles', async () => {
    iam.on(GetRoleCommand, { RoleName: names.accessRole }).resolves(
      role(names.accessRole, {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111111111111:root' },
        Action: 'sts:AssumeRole',
      }),
    );
    const [trust] = failed(await runMemberDoctor(clients(), HUB));
    expect(trust).toMatch(
      /^member access role trust: does not trust .*-start-export.*; also trusts arn:aws:iam::111111111111:root$/,
    );
  });

  it('reports an access role deployed before on-schedule could list its clusters (four roles)', async () => {
    iam.on(GetRoleCommand, { RoleName: names.accessRole }).resolves(
      role(names.accessRole, {
        Effect: 'Allow',
        Principal: { AWS: hubRoleArns(HUB).filter((arn) => !arn.endsWith('-on-schedule')) },
        Action: 'sts:AssumeRole',
      }),
    );
    expect(failed(await runMemberDoctor(clients(), HUB))).toEqual([
      'member access role trust: does not trust arn:aws:iam::111111111111:role/rds-export-prod-eu-west-1-on-schedule',
    ]);
  });

  it('reports a missing member stack and a rule that forwards elsewhere', async () => {
    iam
      .on(GetRoleCommand, { RoleName: names.exportRole })
      .rejects(new NoSuchEntityException({ message: 'not found', $metadata: {} }));
    events.on(ListTargetsByRuleCommand).resolves({
      Targets: [
        { Id: 'x', Arn: 'arn:aws:events:eu-west-1:999999999999:event-bus/other', RoleArn: FORWARD_ROLE },
      ],
    });
    const problems = failed(await runMemberDoctor(clients(), HUB));
    expect(problems[0]).toBe(`member export role exists: no role ${names.exportRole}`);
    expect(problems.filter((p) => p.includes('forwards to the hub'))).toHaveLength(3);
  });

  it('needs the hub the member stack was deployed against, and says which option is wrong', async () => {
    await expect(doctorCommand.run({ member: true }, [])).rejects.toThrow(UsageError);
    await expect(
      doctorCommand.run(
        { member: true, 'hub-bus-arn': 'hub', 'hub-bucket': 'b-1', 'hub-key': HUB.kmsKey },
        [],
      ),
    ).rejects.toThrow(/--hub-bus-arn "hub": must be an event bus ARN/);
  });
});

describe('rds-export doctor --member options', () => {
  const given = {
    'hub-bus-arn': HUB.busArn,
    'hub-bucket': HUB.bucket,
    'hub-key': HUB.kmsKey,
  };
  it('takes the hub’s other Regions, and refuses one that is no Region name', () => {
    expect(hubOfMember({ ...given, 'hub-regions': 'us-west-2, ap-southeast-4' }, 'prod').regions).toEqual([
      'us-west-2',
      'ap-southeast-4',
    ]);
    expect(hubOfMember(given, 'prod')).not.toHaveProperty('regions');
    expect(() => hubOfMember({ ...given, 'hub-regions': 'Oregon' }, 'prod')).toThrow(
      /--hub-regions "Oregon": must be an AWS Region name/,
    );
  });
});
