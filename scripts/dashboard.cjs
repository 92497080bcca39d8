'use strict';
/**
 * Package-time step of serverless.yml (resources/operations.yml): the body of the deployment's
 * CloudWatch dashboard. One widget per pipeline metric (shared/runtime/metrics.ts, one line per source
 * kind), the state machine's executions, and every alarm of the stack. test/deploy/operations.test.ts
 * checks each widget's metric against what the functions emit, and each alarm against the template.
 */

const NAMESPACE = 'RdsExport';
/** Every kind of shared/contract/execution.ts SOURCE_KINDS (test/deploy/operations.test.ts compares them). */
const SOURCE_KINDS = ['db-snapshot', 'cluster-snapshot', 'cluster', 'graph'];

/** [title, metric, statistic]: the pipeline's metrics as the dashboard draws them. */
const PIPELINE_WIDGETS = [
  ['Exports started', 'ExportsStarted', 'Sum'],
  ['Exports completed', 'ExportsCompleted', 'Sum'],
  ['Exports failed', 'ExportsFailed', 'Sum'],
  ['Exports canceled', 'ExportsCanceled', 'Sum'],
  ['Queue wait for a slot (s, maximum)', 'QueueWait', 'Maximum'],
  ['Export duration (s, average)', 'ExportDuration', 'Average'],
  ['GB exported', 'ExportedGB', 'Sum'],
  ['Tables registered', 'TablesRegistered', 'Sum'],
  ['Tables skipped by the export', 'TablesSkipped', 'Sum'],
  ['Tables not registered', 'TablesFailed', 'Sum'],
];

const EXECUTION_METRICS = [
  'ExecutionsStarted',
  'ExecutionsSucceeded',
  'ExecutionsFailed',
  'ExecutionsTimedOut',
  'ExecutionsAborted',
];

/** Logical IDs of the stack's alarms (the step-functions plugin names its own `<machine id><Metric>Alarm`). */
const ALARMS = [
  'ExportStateMachineExecutionsFailedAlarm',
  'ExportStateMachineExecutionsTimedOutAlarm',
  'ExportStateMachineExecutionsAbortedAlarm',
  'OnSnapshotErrorsAlarm',
  'OnScheduleErrorsAlarm',
  'OnSnapshotDeadLetterAlarm',
];

/** `${Name}`: a reference CloudFormation's Fn::Sub resolves. */
const sub = (name) => `\${${name}}`;

const timeSeries = (title, metrics) => ({
  type: 'metric',
  width: 8,
  height: 6,
  properties: { title, view: 'timeSeries', stacked: false, region: sub('AWS::Region'), period: 300, metrics },
});

/** The dashboard body for the deployment `service` (the metrics' `service` dimension), for Fn::Sub. */
function dashboardBody(service) {
  const widgets = PIPELINE_WIDGETS.map(([title, metric, stat]) =>
    timeSeries(
      title,
      SOURCE_KINDS.map((kind) => [
        NAMESPACE,
        metric,
        'service',
        service,
        'sourceKind',
        kind,
        { stat, label: kind },
      ]),
    ),
  );
  widgets.push(
    timeSeries(
      'State machine executions',
      EXECUTION_METRICS.map((metric) => [
        'AWS/States',
        metric,
        'StateMachineArn',
        sub('ExportStateMachine'),
        { stat: 'Sum', label: metric.replace(/^Executions/, '') },
      ]),
    ),
    {
      type: 'alarm',
      width: 16,
      height: 6,
      properties: { title: 'Alarms', alarms: ALARMS.map((id) => sub(`${id}.Arn`)) },
    },
  );
  // Three widgets a row, in order.
  const placed = widgets.map((widget, i) => ({ ...widget, x: (i % 3) * 8, y: Math.floor(i / 3) * 6 }));
  return JSON.stringify({ widgets: placed });
}

module.exports = async ({ resolveVariable }) => {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  return { 'Fn::Sub': dashboardBody(`${service}-${stage}`) };
};
module.exports.dashboardBody = dashboardBody;
