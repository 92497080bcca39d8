import { readFileSync } from 'node:fs';
import {
  ListGraphsCommand,
  ListTagsForResourceCommand,
  NeptuneGraphClient,
} from '@aws-sdk/client-neptune-graph';
import { RDSClient } from '@aws-sdk/client-rds';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type OnScheduleDeps, runSchedule } from '#functions/on-schedule/run.ts';
import { ExportJob } from '#shared/contract/execution.ts';
import { parsePolicy } from '#shared/policy/load.ts';
import { logger } from '#shared/runtime/logger.ts';

// A `kind: graph` schedule: ListGraphs (every page), the graphs its name / g-… identifier globs and
// tags select, then the same rules, ledger and StartExecution as every other source.

const graphs = mockClient(NeptuneGraphClient);
const sfn = mockClient(SFNClient);
const described = JSON.parse(
  readFileSync(new URL('../../../events/graphs/social-graph.json', import.meta.url), 'utf8'),
);
const graph = (name: string, id: string, status = 'AVAILABLE') => ({
  ...described,
  name,
  id,
  status,
  arn: `arn:aws:neptune-graph:us-east-1:123456789012:graph/${id}`,
});

const policy = (select: string, rules = '  - { name: graphs, action: export, match: { kind: graph } }') =>
  parsePolicy(
    `version: 1
rules:
${rules}
schedules:
  - { name: weekly-graphs, expression: "cron(0 4 ? * SUN *)", select: ${select} }
`,
    'test.yml',
  );

const deps = (p: ReturnType<typeof policy>): OnScheduleDeps => ({
  rds: new RDSClient({}),
  graphs: new NeptuneGraphClient({}),
  sfn: new SFNClient({}),
  policy: p,
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-export',
  destination: {
    bucket: 'exports',
    kmsKey: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-3333-4222-8333-944455556666',
    graphRole: 'arn:aws:iam::123456789012:role/graph-export',
  },
  notify: vi.fn().mockResolvedValue({}),
});
const slot = { schedule: 'weekly-graphs', scheduledTime: '2024-05-05T04:00:00Z' };

beforeEach(() => {
  graphs.reset();
  sfn.reset();
  vi.spyOn(logger, 'info').mockImplementation(() => undefined);
  sfn
    .on(StartExecutionCommand)
    .callsFake((input: { name: string }) => ({ executionArn: `arn:execution:${input.name}` }));
  graphs
    .on(ListGraphsCommand, { maxResults: 100 })
    .resolves({
      graphs: [graph('social-graph', 'g-0a1b2c3d4e'), graph('test-graph', 'g-1111111111')],
      nextToken: 'p2',
    })
    .on(ListGraphsCommand, { maxResults: 100, nextToken: 'p2' })
    .resolves({ graphs: [graph('stopped-graph', 'g-2222222222', 'STOPPED')] });
});

describe('a graph schedule slot', () => {
  it('lists every page of graphs and starts one execution per exportable graph, with one decision each', async () => {
    const run = await runSchedule(slot, deps(policy('{ kind: graph }')));
    expect(run.decisions.map((d) => [d.source, d.action])).toEqual([
      ['social-graph', 'export'],
      ['test-graph', 'export'],
      ['stopped-graph', 'skip'],
    ]);
    const jobs = sfn
      .commandCalls(StartExecutionCommand)
      .map((c) => ExportJob.parse(JSON.parse(c.args[0].input.input ?? '')));
    expect(jobs.map((j) => j.request)).toEqual([
      expect.objectContaining({
        graphIdentifier: 'g-0a1b2c3d4e',
        roleArn: 'arn:aws:iam::123456789012:role/graph-export',
      }),
      expect.objectContaining({ graphIdentifier: 'g-1111111111' }),
    ]);
    // Tags cost a call per graph: nothing asks for them here.
    expect(graphs.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
  });

  it('selects by the graph’s name or its g-… identifier', async () => {
    const byName = await runSchedule(slot, deps(policy('{ kind: graph, identifier: "social-*" }')));
    expect(byName.decisions.map((d) => d.source)).toEqual(['social-graph']);
    const byId = await runSchedule(slot, deps(policy('{ kind: graph, identifier: "g-1111*" }')));
    expect(byId.decisions.map((d) => d.source)).toEqual(['test-graph']);
  });

  it('reads the tags of the graphs its identifier globs keep, when it selects by tags', async () => {
    // The general answer first: aws-sdk-client-mock takes the last matching definition.
    graphs
      .on(ListTagsForResourceCommand)
      .resolves({ tags: {} })
      .on(ListTagsForResourceCommand, { resourceArn: graph('social-graph', 'g-0a1b2c3d4e').arn })
      .resolves({ tags: { team: 'growth' } });
    const run = await runSchedule(
      slot,
      deps(policy('{ kind: graph, identifier: "*-graph", tags: { team: grow* } }')),
    );
    expect(run.decisions.map((d) => d.source)).toEqual(['social-graph']);
    expect(graphs.commandCalls(ListTagsForResourceCommand)).toHaveLength(3);
  });

  it('gives a slot delivered twice the same execution name: the second start is a duplicate', async () => {
    const p = policy('{ kind: graph, identifier: social-graph }');
    await runSchedule(slot, deps(p));
    await runSchedule(slot, deps(p));
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names[0]).toMatch(/^social-graph-[0-9a-f]{10}$/);
    expect(names[1]).toBe(names[0]);
  });
});
