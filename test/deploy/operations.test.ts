import { describe, expect, it } from 'vitest';
import { OUTPUTS } from '#bin/ops/deployment.ts';
import { SOURCE_KINDS } from '#shared/contract/execution.ts';
import { METRIC_DIMENSIONS, METRICS_NAMESPACE, PIPELINE_METRICS } from '#shared/runtime/metrics.ts';
import { packagedService } from './cloudformation.ts';

/** What the operations dashboard and the rds-export CLI need of the packaged stack. */

const packaged = packagedService();

type Widget = { type: string; properties: { metrics?: unknown[][]; alarms?: string[] } };

function dashboard(): Widget[] {
  const body = packaged.template.Resources.OperationsDashboard?.Properties.DashboardBody as {
    'Fn::Sub': string;
  };
  return (JSON.parse(body['Fn::Sub']) as { widgets: Widget[] }).widgets;
}

/** A widget's metric rows with CloudWatch's `"."` (same as the row above) filled in, options dropped. */
function rows(widget: Widget): string[][] {
  const out: string[][] = [];
  for (const row of widget.properties.metrics ?? []) {
    const cells = row.filter((c): c is string => typeof c === 'string');
    out.push(cells.map((c, i) => (c === '.' ? (out[out.length - 1]?.[i] ?? c) : c)));
  }
  return out;
}

describe('the packaged stack, for operators', () => {
  it('outputs everything the rds-export CLI reads from it', () => {
    for (const key of Object.values(OUTPUTS)) expect(packaged.template.Outputs?.[key], key).toBeDefined();
    expect(packaged.template.Outputs?.ExportStateMachineArn?.Value).toEqual({ Ref: 'ExportStateMachine' });
    expect(packaged.template.Outputs?.ExportsTableName?.Value).toEqual({ Ref: 'ExportsTable' });
    expect(packaged.template.Outputs?.NotificationTopicArn?.Value).toEqual({ Ref: 'NotificationTopic' });
  });

  it("names each function's metrics after the deployment, so two stages in one account keep apart", () => {
    for (const id of [
      'StartExportLambdaFunction',
      'CheckExportLambdaFunction',
      'RegisterExportLambdaFunction',
    ]) {
      const environment = packaged.template.Resources[id]?.Properties.Environment as
        | { Variables: Record<string, unknown> }
        | undefined;
      const env = environment?.Variables;
      expect(env).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'rds-export-test',
        METRICS_SOURCE_DIMENSION: 'false',
      });
    }
  });

  it('draws on the dashboard only metrics the functions emit, with the dimensions they emit them with', () => {
    const drawn = new Set<string>();
    const kinds = new Set<string>();
    for (const widget of dashboard()) {
      for (const [namespace, metric, ...dimensions] of rows(widget)) {
        if (namespace === 'AWS/States') continue;
        expect(namespace).toBe(METRICS_NAMESPACE);
        expect(Object.keys(PIPELINE_METRICS)).toContain(metric);
        const names = dimensions.filter((_, i) => i % 2 === 0);
        expect(names).toEqual(['service', METRIC_DIMENSIONS[0]]);
        expect(dimensions[1]).toBe('rds-export-test');
        drawn.add(metric ?? '');
        kinds.add(dimensions[3] ?? '');
      }
    }
    expect([...drawn].sort()).toEqual(Object.keys(PIPELINE_METRICS).sort());
    expect([...kinds].sort()).toEqual([...SOURCE_KINDS].sort());
  });

  it("draws the state machine's executions by its ARN", () => {
    const states = dashboard()
      .flatMap(rows)
      .filter(([namespace]) => namespace === 'AWS/States');
    expect(states.map((r) => r[1])).toEqual(
      expect.arrayContaining([
        'ExecutionsStarted',
        'ExecutionsFailed',
        'ExecutionsTimedOut',
        'ExecutionsAborted',
      ]),
    );
    for (const row of states)
      expect(row.slice(2)).toEqual(['StateMachineArn', ['${', 'ExportStateMachine}'].join('')]);
  });

  it('shows every alarm of the stack, and only those', () => {
    const shown = dashboard()
      .flatMap((w) => w.properties.alarms ?? [])
      .map((a) => /^\$\{(\w+)\.Arn\}$/.exec(a)?.[1]);
    const alarms = Object.entries(packaged.template.Resources)
      .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
      .map(([id]) => id);
    expect(shown.sort()).toEqual(alarms.sort());
  });
});
