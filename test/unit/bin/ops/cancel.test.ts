import {
  CancelExportTaskCommand as CancelGraphExportTaskCommand,
  ConflictException,
  GetExportTaskCommand,
  ListExportTasksCommand,
  NeptuneGraphClient,
} from '@aws-sdk/client-neptune-graph';
import {
  CancelExportTaskCommand,
  DescribeExportTasksCommand,
  InvalidExportTaskStateFault,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '#bin/command.ts';
import { cancelExport } from '#bin/ops/cancel.ts';
import { ConfigurationError } from '#shared/contract/errors.ts';
import { graphJob } from '#test/statemachines/graph-fixtures.ts';
import { executionArn, memberContext, testContext } from './context.ts';

const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const graphs = mockClient(NeptuneGraphClient);
const ID = 'orders-db-0123456789';
const task = (Status: string, extra: object = {}) => ({
  ExportTasks: [{ ExportTaskIdentifier: ID, Status, ...extra }],
});

beforeEach(() => {
  rds.reset();
  sfn.reset();
  graphs.reset();
  sfn
    .on(DescribeExecutionCommand)
    .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
});

// A graph export: its execution's input is the job; Neptune Analytics names the task itself (t-…),
// and the task writing to the job's destination is the export's (shared/sources/graph/job.ts).
const GRAPH = graphJob.exportTaskIdentifier;
const TASK = 't-k2j4h6g8f0';
const graphTask = (status: string, extra: object = {}) => ({
  graphId: graphJob.request.graphIdentifier,
  roleArn: graphJob.request.roleArn,
  taskId: TASK,
  status,
  format: 'PARQUET',
  destination: graphJob.request.destination,
  kmsKeyIdentifier: graphJob.request.kmsKeyIdentifier,
  ...extra,
});
function graphExecution(status = 'RUNNING') {
  sfn.on(DescribeExecutionCommand, { executionArn: executionArn(GRAPH) }).resolves({
    executionArn: executionArn(GRAPH),
    status: status as never,
    input: JSON.stringify(graphJob),
  });
}
/** The graph's tasks: an older export of it to another folder, and this export's task if any. */
const listed = (...mine: object[]) =>
  ({
    tasks: [
      graphTask('SUCCEEDED', {
        taskId: 't-0000000000',
        destination: 's3://acme-rds-exports/exports/graph/social-graph/social-graph-0000000000/',
      }),
      ...mine,
    ],
  }) as never;

describe('rds-export cancel', () => {
  it('cancels a running export task with CancelExportTask', async () => {
    rds.on(DescribeExportTasksCommand).resolves(task('IN_PROGRESS'));
    rds.on(CancelExportTaskCommand).resolves({ ExportTaskIdentifier: ID, Status: 'CANCELING' });
    const result = await cancelExport(testContext(), ID);
    expect(result).toMatchObject({ action: 'canceling' });
    expect(rds.commandCalls(CancelExportTaskCommand)[0]?.args[0].input).toEqual({ ExportTaskIdentifier: ID });
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('refuses a task that already ended, saying how and when', async () => {
    rds
      .on(DescribeExportTasksCommand)
      .resolves(task('COMPLETE', { TaskEndTime: new Date('2024-05-01T07:00:00Z') }));
    const refused = cancelExport(testContext(), ID);
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow('already ended COMPLETE at 2024-05-01T07:00:00.000Z');
    expect(rds.commandCalls(CancelExportTaskCommand)).toHaveLength(0);
  });

  it('gives the same message when the task ends between the look and the cancel', async () => {
    rds
      .on(DescribeExportTasksCommand)
      .resolvesOnce(task('IN_PROGRESS'))
      .resolves(task('FAILED', { TaskEndTime: new Date('2024-05-01T07:00:00Z') }));
    rds
      .on(CancelExportTaskCommand)
      .rejects(new InvalidExportTaskStateFault({ message: 'The export task is FAILED', $metadata: {} }));
    await expect(cancelExport(testContext(), ID)).rejects.toThrow(`export task ${ID} already ended FAILED`);
  });

  it('stops the execution of an export still waiting for a slot, which has no task yet', async () => {
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', input: '{}' });
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    const result = await cancelExport(testContext(), ID);
    expect(result.action).toBe('stopped');
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input).toMatchObject({
      executionArn: executionArn(ID),
    });
  });

  it("cancels a member account's running export in that account and the source's Region, through its operator role's client", async () => {
    const arn = 'arn:aws:rds:eu-west-1:222222222222:snapshot:s-1';
    const job = { ...graphJob, source: { ...graphJob.source, kind: 'db-snapshot', arn } };
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', input: JSON.stringify(job) });
    rds.on(DescribeExportTasksCommand).resolves(task('IN_PROGRESS'));
    rds.on(CancelExportTaskCommand).resolves({ ExportTaskIdentifier: ID, Status: 'CANCELING' });
    const { ctx, member, scopes } = memberContext();
    const result = await cancelExport(ctx, ID);
    expect(result).toMatchObject({ action: 'canceling' });
    expect(scopes).toContainEqual({ partition: 'aws', account: '222222222222', region: 'eu-west-1' });
    const [cancel, ...more] = rds.commandCalls(CancelExportTaskCommand);
    expect(more).toEqual([]);
    expect(cancel?.args[0].input).toEqual({ ExportTaskIdentifier: ID });
    // Sent by the member's client, never the deployment's own.
    expect(cancel?.thisValue).toBe(member);
    for (const call of rds.calls()) expect(call.thisValue).toBe(member);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it("gives the member role's denial as the command's error, canceling and stopping nothing", async () => {
    const arn = 'arn:aws:rds:us-east-1:222222222222:snapshot:s-1';
    const job = { ...graphJob, source: { ...graphJob.source, kind: 'db-snapshot', arn } };
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING', input: JSON.stringify(job) });
    const denied = new ConfigurationError(
      'cannot assume arn:aws:iam::222222222222:role/rds-export-test-member-operator in member account 222222222222',
    );
    rds.on(DescribeExportTasksCommand).rejects(denied);
    const { ctx } = memberContext();
    await expect(cancelExport(ctx, ID)).rejects.toBe(denied);
    expect(rds.commandCalls(CancelExportTaskCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it("cancels a graph export's Neptune Analytics task, the one writing to its destination", async () => {
    graphExecution();
    graphs.on(ListExportTasksCommand).resolves(listed(graphTask('EXPORTING')));
    graphs.on(GetExportTaskCommand, { taskIdentifier: TASK }).resolves(graphTask('EXPORTING') as never);
    graphs.on(CancelGraphExportTaskCommand).resolves(graphTask('CANCELLING') as never);
    const result = await cancelExport(testContext(), GRAPH);
    expect(result).toMatchObject({ exportTaskIdentifier: GRAPH, action: 'canceling' });
    expect(result.message).toContain(`task ${TASK} of export ${GRAPH} is CANCELLING`);
    expect(graphs.commandCalls(CancelGraphExportTaskCommand).map((c) => c.args[0].input)).toEqual([
      { taskIdentifier: TASK },
    ]);
    expect(graphs.commandCalls(ListExportTasksCommand)[0]?.args[0].input).toMatchObject({
      graphIdentifier: graphJob.request.graphIdentifier,
    });
    expect(rds.calls()).toHaveLength(0);
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('refuses a graph export whose task already ended, saying how and when', async () => {
    graphExecution('FAILED');
    graphs.on(ListExportTasksCommand).resolves(listed(graphTask('CANCELLED')));
    graphs.on(GetExportTaskCommand).resolves(
      graphTask('CANCELLED', {
        exportTaskDetails: {
          startTime: new Date('2024-05-05T04:00:00Z'),
          timeElapsedSeconds: 600,
          progressPercentage: 40,
        },
      }) as never,
    );
    const refused = cancelExport(testContext(), GRAPH);
    await expect(refused).rejects.toBeInstanceOf(UsageError);
    await expect(refused).rejects.toThrow(
      `task ${TASK} of export ${GRAPH} already ended CANCELLED at 2024-05-05T04:10:00.000Z`,
    );
    expect(graphs.commandCalls(CancelGraphExportTaskCommand)).toHaveLength(0);
  });

  it('reports a graph task that ended between the look and the cancel as ended', async () => {
    graphExecution();
    graphs.on(ListExportTasksCommand).resolves(listed(graphTask('EXPORTING')));
    graphs
      .on(GetExportTaskCommand)
      .resolvesOnce(graphTask('EXPORTING') as never)
      .resolves(graphTask('SUCCEEDED') as never);
    graphs
      .on(CancelGraphExportTaskCommand)
      .rejects(new ConflictException({ message: `Export task ${TASK} is SUCCEEDED`, $metadata: {} }));
    await expect(cancelExport(testContext(), GRAPH)).rejects.toThrow('already ended SUCCEEDED');
  });

  it('stops a graph export still waiting for a slot, and cancels the task it started meanwhile', async () => {
    graphExecution();
    graphs
      .on(ListExportTasksCommand)
      .resolvesOnce(listed())
      .resolves(listed(graphTask('INITIALIZING')));
    graphs.on(GetExportTaskCommand).resolves(graphTask('INITIALIZING') as never);
    graphs.on(CancelGraphExportTaskCommand).resolves(graphTask('CANCELLING') as never);
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    const result = await cancelExport(testContext(), GRAPH);
    expect(result.action).toBe('stopped');
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input).toMatchObject({
      executionArn: executionArn(GRAPH),
    });
    expect(graphs.commandCalls(CancelGraphExportTaskCommand).map((c) => c.args[0].input)).toEqual([
      { taskIdentifier: TASK },
    ]);
  });

  it('names the identifier when neither a task nor an execution has it', async () => {
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    await expect(cancelExport(testContext(), ID)).rejects.toThrow(
      `no export task and no execution named ${ID}`,
    );
  });
});
