'use strict';
/**
 * Package-time step of serverless.yml (`resources`): one EventBridge Scheduler schedule per policy
 * schedule (export-policy.yml `schedules`), in the deployment's schedule group, each handing its
 * slot to the onSchedule function. The policy is the same file, validated by the same loader, as
 * policy-scopes.cjs reads.
 *
 * The target input carries the schedule's name and `<aws.scheduler.scheduled-time>`, the slot's
 * time, which Scheduler fills in and keeps the same when it delivers a slot again: the export task
 * identifier is derived from it, so a slot delivered twice starts one export. Scheduler invokes a
 * Lambda target asynchronously, so onSchedule's own retries and dead-letter queue apply after it.
 * A slot Scheduler cannot deliver at all (after its own retries) goes to the same dead-letter queue,
 * as a dead-letter event, instead of being dropped: the queue is alarmed on.
 */
const crypto = require('node:crypto');
const path = require('node:path');
const { loadPolicy } = require('./policy-scopes.cjs');

/** A CloudFormation logical ID for a schedule: its letters and digits, and a hash of its name. */
function logicalId(name) {
  const letters = name.replace(/[^A-Za-z0-9]/g, '');
  const hash = crypto.createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `PolicySchedule${letters.slice(0, 200)}${hash}`;
}

/** The CloudFormation resources for the policy's schedules; none when it has none. */
function scheduleResources(schedules, { groupName, roleTrustAccount, deadLetterQueueArn }) {
  if (schedules.length === 0) return {};
  const resources = {
    PolicyScheduleGroup: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: { Name: groupName } },
    // The role every policy schedule assumes: it may invoke onSchedule, and send what it could not
    // deliver to the dead-letter queue, nothing else.
    PolicySchedulerRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Action: 'sts:AssumeRole',
              // Confused-deputy guard: only this account's schedules may use the role.
              Condition: { StringEquals: { 'aws:SourceAccount': roleTrustAccount } },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'invoke-on-schedule',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'InvokeTheTarget',
                  Effect: 'Allow',
                  Action: 'lambda:InvokeFunction',
                  Resource: { 'Fn::GetAtt': ['OnScheduleLambdaFunction', 'Arn'] },
                },
                // Scheduler sends dead-letter events as the schedule's execution role (EventBridge
                // Scheduler user guide, "Configuring a schedule's dead-letter queue": the execution
                // role needs sqs:SendMessage). Same account, so the queue policy needs no statement
                // for it; the queue's SSE-SQS encryption needs no key permission.
                {
                  Sid: 'KeepUndeliveredSlots',
                  Effect: 'Allow',
                  Action: 'sqs:SendMessage',
                  Resource: deadLetterQueueArn,
                },
              ],
            },
          },
        ],
      },
    },
  };
  for (const schedule of schedules) {
    resources[logicalId(schedule.name)] = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: schedule.name,
        GroupName: { Ref: 'PolicyScheduleGroup' },
        Description: `export-policy.yml schedule ${schedule.name}: ${schedule.select.kind} exports`,
        ScheduleExpression: schedule.expression,
        ScheduleExpressionTimezone: schedule.timezone,
        FlexibleTimeWindow:
          schedule.flexibleWindowMinutes === undefined
            ? { Mode: 'OFF' }
            : { Mode: 'FLEXIBLE', MaximumWindowInMinutes: schedule.flexibleWindowMinutes },
        State: 'ENABLED',
        Target: {
          Arn: { 'Fn::GetAtt': ['OnScheduleLambdaFunction', 'Arn'] },
          RoleArn: { 'Fn::GetAtt': ['PolicySchedulerRole', 'Arn'] },
          Input: JSON.stringify({ schedule: schedule.name, scheduledTime: '<aws.scheduler.scheduled-time>' }),
          // Scheduler's own retries of the invocation; a day of them, as for the intake rules. Both are
          // the maximums (EventBridge Scheduler API reference, RetryPolicy: 0-185 attempts, 60-86400 s).
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
          // After them the slot is kept, with the error, in the deployment's dead-letter queue.
          DeadLetterConfig: { Arn: deadLetterQueueArn },
        },
      },
    };
  }
  return resources;
}

module.exports = async ({ resolveVariable }) => {
  const policy = loadPolicy(path.join(__dirname, '..'));
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  return {
    Resources: scheduleResources(policy.schedules, {
      groupName: `${service}-${stage}`,
      roleTrustAccount: { Ref: 'AWS::AccountId' },
      // serverless.yml's queue, which also keeps onSnapshot's and onSchedule's failed invocations.
      deadLetterQueueArn: { 'Fn::GetAtt': ['OnSnapshotDeadLetterQueue', 'Arn'] },
    }),
  };
};
module.exports.scheduleResources = scheduleResources;
module.exports.logicalId = logicalId;
