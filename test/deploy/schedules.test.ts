import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  actionsOf,
  packagedService,
  type Resource,
  ROOT,
  roleStatements,
  type Statement,
} from './cloudformation.ts';

// `npx serverless package` with the schedules example as the policy file (docs/policy.md shows it).
const EXAMPLE = path.join(ROOT, 'examples', 'export-policy.schedules.yml');
const packaged = packagedService({ policy: EXAMPLE });
const DEAD_LETTER_QUEUE_ARN = { 'Fn::GetAtt': ['OnSnapshotDeadLetterQueue', 'Arn'] };

const ofType = (type: string): [string, Resource][] =>
  Object.entries(packaged.template.Resources).filter(([, r]) => r.Type === type);

describe('serverless package with policy schedules', () => {
  it('creates one Scheduler schedule per policy schedule, in the time zone and window the policy gives', () => {
    const schedules = ofType('AWS::Scheduler::Schedule');
    // nightly-clusters and weekly-graphs (the example's graph schedule).
    expect(schedules.map(([, r]) => r.Properties.Name).sort()).toEqual(['nightly-clusters', 'weekly-graphs']);
    const [, schedule] = schedules.find(([, r]) => r.Properties.Name === 'nightly-clusters') as [
      string,
      Resource,
    ];
    expect(schedule.Properties).toMatchObject({
      Name: 'nightly-clusters',
      GroupName: { Ref: 'PolicyScheduleGroup' },
      ScheduleExpression: 'cron(30 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
      State: 'ENABLED',
    });
  });

  it('hands the target the schedule name and the slot time Scheduler fills in', () => {
    const [, schedule] = ofType('AWS::Scheduler::Schedule').find(
      ([, r]) => r.Properties.Name === 'nightly-clusters',
    ) as [string, Resource];
    const target = schedule.Properties.Target as { Arn: unknown; Input: string; RoleArn: unknown };
    expect(target.Arn).toEqual({ 'Fn::GetAtt': ['OnScheduleLambdaFunction', 'Arn'] });
    expect(JSON.parse(target.Input)).toEqual({
      schedule: 'nightly-clusters',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': ['PolicySchedulerRole', 'Arn'] });
  });

  it('lets the scheduler role invoke its target and send to the dead-letter queue, nothing else, for this account only', () => {
    const role = packaged.template.Resources.PolicySchedulerRole as Resource;
    const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
    expect(trust).toContain('scheduler.amazonaws.com');
    expect(trust).toContain('aws:SourceAccount');
    const statements = roleStatements(packaged.template, 'PolicySchedulerRole');
    expect(statements.map((s) => [actionsOf(s), s.Resource])).toEqual([
      [['lambda:InvokeFunction'], { 'Fn::GetAtt': ['OnScheduleLambdaFunction', 'Arn'] }],
      // Scheduler delivers dead-letter events as the schedule's execution role, which needs
      // sqs:SendMessage on the queue (EventBridge Scheduler user guide, "Configuring a schedule's
      // dead-letter queue").
      [['sqs:SendMessage'], DEAD_LETTER_QUEUE_ARN],
    ]);
  });

  it('keeps every slot Scheduler could not deliver in the deployment dead-letter queue, which is alarmed on', () => {
    const schedules = ofType('AWS::Scheduler::Schedule');
    expect(schedules.length).toBeGreaterThan(0);
    for (const [id, schedule] of schedules) {
      const target = schedule.Properties.Target as { DeadLetterConfig?: unknown };
      expect(target.DeadLetterConfig, id).toEqual({ Arn: DEAD_LETTER_QUEUE_ARN });
    }
    // Same account, so the role's own policy suffices; the queue policy must not deny it, and the
    // queue's SSE-SQS encryption needs no key permission.
    const queuePolicy = packaged.template.Resources.OnSnapshotDeadLetterQueuePolicy as Resource;
    const queueStatements = (queuePolicy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(queueStatements.filter((s) => s.Effect !== 'Allow')).toEqual([]);
    const queue = packaged.template.Resources.OnSnapshotDeadLetterQueue as Resource;
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    expect(queue.Properties.KmsMasterKeyId).toBeUndefined();
    const alarm = packaged.template.Resources.OnSnapshotDeadLetterAlarm as Resource;
    expect(alarm.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': ['OnSnapshotDeadLetterQueue', 'QueueName'] } },
      ],
      AlarmActions: [{ Ref: 'NotificationTopic' }],
    });
  });

  it("lets onSchedule describe the account's clusters in any Region and start executions of this state machine only", () => {
    const statements = roleStatements(packaged.template, 'OnScheduleRole');
    const describe = statements.filter((s) => actionsOf(s).includes('rds:DescribeDBClusters'));
    // The account's own clusters in any Region a schedule's select.regions names (custom.ownRdsArns).
    expect(describe.map((s) => s.Resource)).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:rds:*:\${AWS::AccountId}:cluster:*` },
    ]);
    const start = statements.filter((s) => actionsOf(s).includes('states:StartExecution'));
    expect(start.map((s) => s.Resource)).toEqual([{ Ref: 'ExportStateMachine' }]);
    const all = statements.flatMap(actionsOf);
    expect(all.filter((a) => a.startsWith('rds:'))).toEqual(['rds:DescribeDBClusters']);
    expect(all).not.toContain('rds:StartExportTask');
  });

  it('ships the policy with onSchedule and alarms when a slot fails', () => {
    const fn = packaged.template.Resources.OnScheduleLambdaFunction as Resource;
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.POLICY_FILE).toBe(
      'export-policy.yml',
    );
    expect(JSON.stringify(packaged.template.Resources.OnScheduleErrorsAlarm)).toContain(
      'OnScheduleLambdaFunction',
    );
  });
});
