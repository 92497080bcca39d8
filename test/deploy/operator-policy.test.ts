import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionsOf, ROOT, type Statement } from './cloudformation.ts';
import { sdkOperations } from './sdk-calls.ts';

/**
 * The operator policy of docs/operations.md against the calls the operations commands make: every
 * SDK command imported by bin/ops/ and the project modules it imports, as register-role.test.ts
 * reads functions/register-export. A new call fails this test until the policy grants it.
 */

/** IAM's service prefix of each SDK client. */
const PREFIX: Record<string, string> = {
  sfn: 'states',
  rds: 'rds',
  cloudformation: 'cloudformation',
  dynamodb: 'dynamodb',
  iam: 'iam',
  s3: 's3',
  eventbridge: 'events',
};

/**
 * Operations imported by a shared module the commands use for something else. Each names the module
 * that imports it, and why the commands never send it.
 */
const NOT_SENT: Record<string, { module: string; why: string }> = {
  'dynamodb:PutItem': {
    module: 'shared/exports/ledger.ts',
    why: "the ledger's record(); the commands hand dispatch an in-memory ledger and never write the table",
  },
  'dynamodb:UpdateItem': {
    module: 'shared/slots/leases.ts',
    why: "taking, giving back and reconciling slot leases; status only reads the graph pool's (readSlots: GetItem)",
  },
  'dynamodb:DeleteItem': {
    module: 'shared/slots/queue.ts',
    why: 'leaving the slot queue; the commands import its pool names only',
  },
  'neptune-graph:ListGraphs': {
    module: 'shared/sources/graph/graphs.ts',
    why: 'graph listing, for schedules; retry reads one graph (GetGraph) and its tags only',
  },
};

const calls = sdkOperations('bin/ops');

function readmePolicy(): Statement[] {
  const readme = readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
  const block = /<!-- operator-policy -->\s*```json\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('docs/operations.md has no operator-policy JSON block');
  return (JSON.parse(block) as { Statement: Statement[] }).Statement;
}

const called = () =>
  [...calls.entries()]
    .flatMap(([service, operations]) => [...operations].map((op) => `${PREFIX[service] ?? service}:${op}`))
    .filter((action) => !Object.hasOwn(NOT_SENT, action))
    .sort();

describe('the operator policy in docs/operations.md', () => {
  it('grants exactly the actions the operations commands call', () => {
    // kms:Decrypt is not a call of the commands: DynamoDB makes it for them (below).
    const granted = [...new Set(readmePolicy().flatMap(actionsOf))].filter((a) => a !== 'kms:Decrypt');
    expect(granted.sort()).toEqual(called());
  });

  it('lets the commands decrypt the encrypted table through DynamoDB only, and nothing else with the key', () => {
    const kms = readmePolicy().filter((st) => actionsOf(st).includes('kms:Decrypt'));
    expect(kms.flatMap(actionsOf)).toEqual(['kms:Decrypt']);
    // Besides Decrypt, only doctor's read of the key's policy.
    const other = readmePolicy()
      .flatMap(actionsOf)
      .filter((a) => a.startsWith('kms:') && a !== 'kms:Decrypt');
    expect(other).toEqual(['kms:GetKeyPolicy']);
    expect(kms[0]?.Condition).toEqual({ StringLike: { 'kms:ViaService': 'dynamodb.*.amazonaws.com' } });
    expect(called().some((a) => a.startsWith('dynamodb:'))).toBe(true);
  });

  it('allows only reads besides StartExecution, CancelExportTask, StopExecution and assuming member operator roles', () => {
    // iam:SimulatePrincipalPolicy (doctor) evaluates policies and changes nothing.
    const writes = readmePolicy()
      .flatMap(actionsOf)
      // dynamodb:Query reads items (DynamoDB API reference, Query: "finds items").
      .filter((action) => !/:(Describe|List|Get|Simulate|Query)/.test(action) && action !== 'kms:Decrypt')
      .sort();
    expect(writes).toEqual([
      'neptune-graph:CancelExportTask',
      'rds:CancelExportTask',
      'states:StartExecution',
      'states:StopExecution',
      'sts:AssumeRole',
    ]);
  });

  it("assumes only the member stacks' operator roles (cancel and retry of a member's export)", () => {
    // bin/ops/member-operator.ts assumes rds-export-<stage>-member-operator in the source's account
    // (serverless.member.yml MemberOperatorRole), and no other role.
    const assume = readmePolicy().filter((st) => actionsOf(st).includes('sts:AssumeRole'));
    expect(assume).toHaveLength(1);
    expect(actionsOf(assume[0] as Statement)).toEqual(['sts:AssumeRole']);
    expect(assume[0]?.Resource).toBe('arn:aws:iam::*:role/rds-export-*-member-operator');
  });

  it("scopes Neptune Analytics' export-task actions to export tasks and its graph reads to graphs", () => {
    // Service Authorization Reference, Amazon Neptune Analytics: CancelExportTask, GetExportTask and
    // ListExportTasks require the resource type export-task; GetGraph and ListTagsForResource graph.
    const scopes = Object.fromEntries(
      readmePolicy()
        .flatMap((st) => actionsOf(st).map((a) => [a, st.Resource]))
        .filter(([a]) => String(a).startsWith('neptune-graph:')),
    );
    const task = 'arn:aws:neptune-graph:*:*:export-task/*';
    const graph = 'arn:aws:neptune-graph:*:*:graph/*';
    expect(scopes).toEqual({
      'neptune-graph:CancelExportTask': task,
      'neptune-graph:GetExportTask': task,
      'neptune-graph:ListExportTasks': task,
      'neptune-graph:GetGraph': graph,
      'neptune-graph:ListTagsForResource': graph,
    });
  });

  it('leaves out only operations the named module imports and no command of bin/ops sends', () => {
    const commands = readdirSync(path.join(ROOT, 'bin/ops')).map((f) =>
      readFileSync(path.join(ROOT, 'bin/ops', f), 'utf8'),
    );
    for (const [action, { module }] of Object.entries(NOT_SENT)) {
      // Imported as its command or as its SDK paginator (sdk-calls.ts reads both).
      const operation = action.split(':')[1];
      const names = [`${operation}Command`, `paginate${operation}`];
      const source = readFileSync(path.join(ROOT, module), 'utf8');
      expect(
        names.some((name) => source.includes(name)),
        `${module} imports ${names.join(' or ')}`,
      ).toBe(true);
      for (const text of commands) for (const name of names) expect(text).not.toContain(name);
    }
  });
});
