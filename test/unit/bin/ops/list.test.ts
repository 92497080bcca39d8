import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { listExports, renderList } from '#bin/ops/list.ts';
import { graphChecked, graphJob, graphRegistration } from '#test/statemachines/graph-fixtures.ts';
import { executionArn, NOW, testContext } from './context.ts';

const sfn = mockClient(SFNClient);
const G = graphJob.exportTaskIdentifier;
const SINCE = new Date('2024-05-01T00:00:00Z');

beforeEach(() => {
  sfn.reset();
  sfn.on(ListExecutionsCommand).resolves({
    executions: [
      {
        name: G,
        executionArn: executionArn(G),
        stateMachineArn: testContext().deployment.stateMachineArn,
        status: 'SUCCEEDED',
        startDate: new Date('2024-05-02T04:00:00Z'),
        stopDate: new Date('2024-05-02T04:20:00Z'),
      },
    ],
  });
  // The completed export's last state holds what the check saw: SUCCEEDED with what it wrote.
  sfn.on(GetExecutionHistoryCommand).resolves({
    events: [
      { id: 40, timestamp: NOW, type: 'ExecutionSucceeded', executionSucceededEventDetails: {} },
      {
        id: 39,
        timestamp: NOW,
        type: 'SucceedStateEntered',
        stateEnteredEventDetails: {
          name: 'Export done',
          input: JSON.stringify({
            ...graphJob,
            check: graphChecked('SUCCEEDED', 6, { progress: 100 }),
            registration: graphRegistration,
          }),
        },
      },
    ] as never,
  });
});

describe('rds-export list', () => {
  it('shows the vertices and edges a graph export wrote, its destination and its tables', async () => {
    const [listed] = await listExports(testContext(), { since: SINCE });
    expect(listed).toMatchObject({
      exportTaskIdentifier: G,
      outcome: 'COMPLETE',
      source: 'social-graph',
      sourceKind: 'graph',
      verticesWritten: 1200,
      edgesWritten: 3400,
      destination: graphJob.request.destination,
      tables: { registered: 2, skipped: 0, failed: 0 },
    });
    const text = renderList(listed === undefined ? [] : [listed], SINCE, false);
    expect(text).toMatch(new RegExp(`COMPLETE\\s+${G}\\s+social-graph\\s+.*1200 vertices, 3400 edges`));
  });

  it('names the account of each export, filters on it, and shows an account column only for several', async () => {
    const [listed] = await listExports(testContext(), { since: SINCE });
    expect(listed).toMatchObject({ account: '123456789012', region: 'us-east-1' });
    expect(await listExports(testContext(), { since: SINCE, account: '2222*' })).toEqual([]);
    expect(await listExports(testContext(), { since: SINCE, account: '1234*' })).toHaveLength(1);

    const own = listed as NonNullable<typeof listed>;
    const member = { ...own, exportTaskIdentifier: 'orders-m', account: '222222222222' };
    const text = renderList([own, member], SINCE, false);
    expect(text).toMatch(/OUTCOME\s+EXPORT TASK\s+ACCOUNT\s+SOURCE/);
    expect(text).toMatch(new RegExp(`${G}\\s+123456789012\\s+social-graph`));
    expect(text).toMatch(/orders-m\s+222222222222\s+social-graph/);
    expect(renderList([own], SINCE, false)).not.toContain('ACCOUNT');
    // A Region column likewise, once the exports come from more than one Region.
    expect(text).not.toContain('REGION');
    const west = { ...member, exportTaskIdentifier: 'orders-w', region: 'us-west-2' };
    expect(renderList([own, member, west], SINCE, false)).toMatch(/ACCOUNT\s+REGION\s+SOURCE/);
    expect(renderList([own, member, west], SINCE, false)).toMatch(
      /orders-w\s+222222222222\s+us-west-2\s+social-graph/,
    );
  });

  it("filters on the source's Region, --source-region, a glob", async () => {
    expect(await listExports(testContext(), { since: SINCE, region: 'eu-*' })).toEqual([]);
    expect(await listExports(testContext(), { since: SINCE, region: 'us-east-?' })).toHaveLength(1);
    expect(
      await listExports(testContext(), { since: SINCE, account: '1234*', region: 'us-east-1' }),
    ).toHaveLength(1);
  });
});
