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
import { UsageError } from '../../../../bin/command.ts';
import { cancelExport } from '../../../../bin/ops/cancel.ts';
import { executionArn, testContext } from './context.ts';

const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const ID = 'orders-db-0123456789';
const task = (Status: string, extra: object = {}) => ({
  ExportTasks: [{ ExportTaskIdentifier: ID, Status, ...extra }],
});

beforeEach(() => {
  rds.reset();
  sfn.reset();
});

describe('rds-export cancel', () => {
  it('cancels a running export task with CancelExportTask', async () => {
    rds.on(DescribeExportTasksCommand).resolves(task('IN_PROGRESS'));
    rds.on(CancelExportTaskCommand).resolves({ ExportTaskIdentifier: ID, Status: 'CANCELING' });
    const result = await cancelExport(testContext(), ID);
    expect(result).toMatchObject({ action: 'canceling' });
    expect(rds.commandCalls(CancelExportTaskCommand)[0]?.args[0].input).toEqual({ ExportTaskIdentifier: ID });
    expect(sfn.calls()).toHaveLength(0);
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
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    const result = await cancelExport(testContext(), ID);
    expect(result.action).toBe('stopped');
    expect(sfn.commandCalls(StopExecutionCommand)[0]?.args[0].input).toMatchObject({
      executionArn: executionArn(ID),
    });
  });

  it('refuses a graph export, whose Neptune Analytics task stopping the execution would leave running', async () => {
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'RUNNING',
      input: JSON.stringify({ source: { kind: 'graph' } }),
    });
    const refusal = cancelExport(testContext(), ID);
    await expect(refusal).rejects.toBeInstanceOf(UsageError);
    await expect(refusal).rejects.toThrow('aws neptune-graph cancel-export-task');
    expect(sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });

  it('names the identifier when neither a task nor an execution has it', async () => {
    rds.on(DescribeExportTasksCommand).resolves({ ExportTasks: [] });
    sfn
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    await expect(cancelExport(testContext(), ID)).rejects.toThrow(
      `no export task and no execution named ${ID}`,
    );
  });
});
