import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOf,
  allStatements,
  asList,
  condition,
  dependencyCycle,
  readTemplate,
  resolveIfs,
  roleStatements,
  type Statement,
  serviceCopy,
  slsPackage,
  type Template,
} from './cloudformation.ts';
import { sdkOperations } from './sdk-calls.ts';

/**
 * The deployment's part of graph exports (Neptune Analytics): the role the service assumes to write
 * the export (resources/graph-exports.yml, permissions as the Neptune Analytics user guide lists
 * them under "Import/export permissions"), and the neptune-graph actions of the functions, scoped to
 * the graph and export-task resource types the Service Authorization Reference gives each action.
 */

const GRAPH_ARNS = `arn:\${AWS::Partition}:neptune-graph:\${AWS::Region}:\${AWS::AccountId}:graph/*`;
const TASK_ARNS = `arn:\${AWS::Partition}:neptune-graph:\${AWS::Region}:\${AWS::AccountId}:export-task/*`;
const GRAPH_ROLE_ARN = { 'Fn::GetAtt': ['GraphExportRole', 'Arn'] };
const EXISTING_GRAPH_ROLE = 'arn:aws:iam::123456789012:role/existing-graph-export-role';
const RULE_GRAPH_ROLE = 'arn:aws:iam::123456789012:role/archive-graph-export';
const RULE_RDS_ROLE = 'arn:aws:iam::123456789012:role/archive-rds-export';
/**
 * The Neptune Analytics guide's condition ("Import/export permissions"): only its encryption-context
 * keys. ForAllValues also holds when a request has no encryption context at all (IAM user guide,
 * "Single-valued vs. multivalued context keys"), so the Null guard requires one.
 */
const NEPTUNE_CONTEXT_ONLY = {
  'ForAllValues:StringEquals': {
    'kms:EncryptionContextKeys': ['aws:neptune-graph:graphId', 'aws:neptune-graph:graphExportId'],
  },
  Null: { 'kms:EncryptionContextKeys': 'false' },
};
/** SSE-KMS of the export bucket: S3 asks KMS for the role that writes the object. */
const THROUGH_S3 = { StringEquals: { 'kms:ViaService': { 'Fn::Sub': `s3.\${AWS::Region}.amazonaws.com` } } };
const FUNCTION_ROLES = [
  'OnSnapshotRole',
  'OnScheduleRole',
  'StartExportRole',
  'WaitsRole',
  'CheckExportRole',
  'RegisterExportRole',
  'NotifyRole',
];

/** A policy with a graph-only rule and an RDS-only rule, each naming its own export role. */
const POLICY = `version: 1
rules:
  - name: graphs
    match: { kind: graph }
    action: export
    export: { role: ${RULE_GRAPH_ROLE}, format: csv }
  - name: snapshots
    match: { kind: [db-snapshot, cluster-snapshot] }
    action: export
    export: { role: ${RULE_RDS_ROLE} }
`;

const temp: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temp.push(dir);
  return dir;
};
let created: Template;
let existing: Template;

beforeAll(async () => {
  const policy = path.join(tempDir('rds-export-policy-'), 'export-policy.yml');
  writeFileSync(policy, POLICY);
  const createdDir = serviceCopy(policy);
  const existingDir = serviceCopy(policy);
  temp.push(createdDir, existingDir);
  const createdOut = tempDir('rds-export-package-');
  const existingOut = tempDir('rds-export-package-');
  const [a, b] = await Promise.all([
    slsPackage(createdDir, createdOut),
    slsPackage(existingDir, existingOut, { existingGraphExportRoleArn: EXISTING_GRAPH_ROLE }),
  ]);
  for (const result of [a, b]) {
    if (result.code !== 0) throw new Error(`serverless package failed:\n${result.output}`);
  }
  created = readTemplate(createdOut);
  existing = readTemplate(existingOut);
}, 240_000);

afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

const statementsWith = (statements: Statement[], action: string) =>
  statements.filter((s) => actionsOf(s).includes(action));

/** The policy documents attached to the graph export role (its own inline ones and IAM::Policy). */
const graphRoleStatements = (template: Template) => roleStatements(template, 'GraphExportRole');

const neptuneActions = (template: Template, roleId: string) =>
  [
    ...new Set(
      roleStatements(template, roleId)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('neptune-graph:')),
    ),
  ].sort();

describe('the graph export role (resources/graph-exports.yml)', () => {
  it('is created trusting neptune-graph.amazonaws.com, and this account only where the service names one', () => {
    const role = created.Resources.GraphExportRole;
    if (role === undefined) throw new Error('no GraphExportRole');
    expect(role.Condition).toBe('CreateGraphExportRole');
    expect(condition(created, 'CreateGraphExportRole')).toBe(true);
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'neptune-graph.amazonaws.com' },
        Action: 'sts:AssumeRole',
        // The Neptune Analytics guide ("Import/export permissions") documents no aws:SourceAccount for
        // this role: a plain StringEquals would refuse every export if the service does not send it.
        Condition: { StringEqualsIfExists: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });

  it('may put, get and list in the export buckets ("Import/export permissions") and nothing else in S3', () => {
    const s3 = graphRoleStatements(created).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3.flatMap(actionsOf).sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    const resources = JSON.stringify(s3.map((s) => s.Resource));
    expect(resources).toContain('ExportBucket');
    expect(resources).toContain('/*');
  });

  it('may describe the export keys, and use them only for Neptune Analytics exports or through S3', () => {
    const kms = graphRoleStatements(created).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(statementsWith(kms, 'kms:DescribeKey')).toHaveLength(1);
    const use = statementsWith(kms, 'kms:GenerateDataKey');
    expect(use.map((s) => actionsOf(s).sort())).toEqual([
      ['kms:Decrypt', 'kms:GenerateDataKey'],
      ['kms:Decrypt', 'kms:GenerateDataKey'],
    ]);
    expect(use.map((s) => s.Condition)).toEqual([NEPTUNE_CONTEXT_ONLY, THROUGH_S3]);
    for (const s of kms) expect(JSON.stringify(s.Resource)).toContain('ExportKey');
  });

  it('is named in the key policy, which lets it use the key under the same conditions as its own policy', () => {
    const key = created.Resources.ExportKey?.Properties.KeyPolicy as { Statement: Statement[] };
    // A key policy statement naming the role grants on its own: unconditioned, it would undo the
    // conditions of the role's policy.
    const forRole = key.Statement.map((s) => resolveIfs(created, s) as Statement).filter(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: GRAPH_ROLE_ARN }),
    );
    expect(forRole.map((s) => [s.Sid, actionsOf(s).sort(), s.Condition])).toEqual([
      ['GraphExportRoleDescribesKey', ['kms:DescribeKey'], undefined],
      ['GraphExportRoleUsesKey', ['kms:Decrypt', 'kms:GenerateDataKey'], NEPTUNE_CONTEXT_ONLY],
      ['GraphExportRoleUsesKeyThroughS3', ['kms:Decrypt', 'kms:GenerateDataKey'], THROUGH_S3],
    ]);
  });

  it('is not created when existingGraphExportRoleArn names one, and that role is passed, named and handed to the schedule', () => {
    expect(condition(existing, 'CreateGraphExportRole')).toBe(false);
    for (const id of ['GraphExportRole', 'GraphExportRoleS3Policy', 'GraphExportRoleKeyPolicy']) {
      expect(existing.Resources[id]?.Condition).toBe('CreateGraphExportRole');
    }
    const pass = statementsWith(roleStatements(existing, 'StartExportRole'), 'iam:PassRole').find(
      (s) => s.Sid === 'PassGraphExportRoles',
    );
    expect(asList(pass?.Resource)).toContain(EXISTING_GRAPH_ROLE);
    expect(asList(pass?.Resource)).not.toContainEqual(GRAPH_ROLE_ARN);
    const key = existing.Resources.ExportKey?.Properties.KeyPolicy as { Statement: Statement[] };
    const statement = resolveIfs(
      existing,
      key.Statement.find((s) => s.Sid === 'GraphExportRoleUsesKey'),
    ) as Statement;
    expect(statement.Principal).toEqual({ AWS: EXISTING_GRAPH_ROLE });
    const env = created.Resources.OnScheduleLambdaFunction?.Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(resolveIfs(created, env.Variables.GRAPH_EXPORT_ROLE_ARN)).toEqual(GRAPH_ROLE_ARN);
    const existingEnv = existing.Resources.OnScheduleLambdaFunction?.Properties.Environment as {
      Variables: Record<string, unknown>;
    };
    expect(resolveIfs(existing, existingEnv.Variables.GRAPH_EXPORT_ROLE_ARN)).toBe(EXISTING_GRAPH_ROLE);
  });

  it('has no circular dependency between resources, with the role created or supplied', () => {
    expect(dependencyCycle(created)).toBeUndefined();
    expect(dependencyCycle(existing)).toBeUndefined();
  });
});

describe("the functions' neptune-graph permissions", () => {
  it('lets only the start function pass a role to neptune-graph.amazonaws.com, and only graph roles', () => {
    const passes = allStatements(created).filter(({ statement }) =>
      actionsOf(statement).includes('iam:PassRole'),
    );
    const toNeptune = passes.filter(({ statement }) =>
      JSON.stringify(statement.Condition).includes('neptune-graph.amazonaws.com'),
    );
    expect(toNeptune.map(({ resource }) => resource)).toEqual(['StartExportRole']);
    const graphPass = resolveIfs(created, toNeptune[0]?.statement) as Statement;
    expect(graphPass.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'neptune-graph.amazonaws.com' },
    });
    expect(asList(graphPass.Resource)).toEqual([GRAPH_ROLE_ARN, RULE_GRAPH_ROLE]);
    const rdsPass = statementsWith(roleStatements(created, 'StartExportRole'), 'iam:PassRole').find(
      (s) => s.Sid === 'PassExportRoles',
    );
    expect(asList(rdsPass?.Resource)).toContain(RULE_RDS_ROLE);
    expect(asList(rdsPass?.Resource)).not.toContain(RULE_GRAPH_ROLE);
    // The RDS roles go to RDS only, under either name it may check the pass as.
    expect(rdsPass?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': ['rds.amazonaws.com', 'export.rds.amazonaws.com'] },
    });
  });

  it('gives each function the neptune-graph actions its code calls, and no other function any', () => {
    const expected: Record<string, string[]> = {
      OnScheduleRole: ['neptune-graph:ListGraphs', 'neptune-graph:ListTagsForResource'],
      StartExportRole: [
        'neptune-graph:GetGraph',
        'neptune-graph:ListExportTasks',
        'neptune-graph:StartExportTask',
      ],
      WaitsRole: ['neptune-graph:ListExportTasks'],
      CheckExportRole: ['neptune-graph:GetExportTask'],
    };
    for (const role of FUNCTION_ROLES) {
      expect(neptuneActions(created, role), role).toEqual(expected[role] ?? []);
    }
  });

  it.each([
    ['functions/on-schedule', 'OnScheduleRole'],
    ['functions/start-export', 'StartExportRole'],
    ['functions/waits', 'WaitsRole'],
    ['functions/check-export', 'CheckExportRole'],
  ])('grants every neptune-graph operation %s imports to %s', (dir, role) => {
    const called = [...(sdkOperations(dir).get('neptune-graph') ?? [])].map((op) => `neptune-graph:${op}`);
    expect(called.length).toBeGreaterThan(0);
    expect(neptuneActions(created, role)).toEqual(expect.arrayContaining(called));
  });

  it('scopes every neptune-graph action to graph and export-task ARNs of the account and Region', () => {
    const neptune = allStatements(created).filter(({ statement }) =>
      actionsOf(statement).some((a) => a.startsWith('neptune-graph:')),
    );
    expect(neptune.length).toBeGreaterThan(0);
    for (const { resource, statement } of neptune) {
      expect(
        actionsOf(statement).every((a) => a.startsWith('neptune-graph:')),
        resource,
      ).toBe(true);
      const resources = asList(statement.Resource).map((r) => (r as { 'Fn::Sub': string })['Fn::Sub']);
      expect(resources.length, resource).toBeGreaterThan(0);
      for (const arn of resources) expect([GRAPH_ARNS, TASK_ARNS], resource).toContain(arn);
    }
    const start = statementsWith(roleStatements(created, 'StartExportRole'), 'neptune-graph:StartExportTask');
    expect(start.map((s) => asList(s.Resource).map((r) => (r as { 'Fn::Sub': string })['Fn::Sub']))).toEqual([
      [GRAPH_ARNS, TASK_ARNS],
    ]);
    const get = statementsWith(roleStatements(created, 'CheckExportRole'), 'neptune-graph:GetExportTask');
    expect(get.map((s) => s.Resource)).toEqual([{ 'Fn::Sub': TASK_ARNS }]);
  });
});
