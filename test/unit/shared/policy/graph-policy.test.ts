import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLE_EXPORT_FILTER } from '#local/neptune-graph/sample-graph.ts';
import type { SnapshotSource } from '#shared/contract/execution.ts';
import { decide } from '#shared/policy/decide.ts';
import { loadPolicyFile, parsePolicy } from '#shared/policy/load.ts';
import { graphExportability } from '#shared/sources/rds/exportability.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..', '..');

// Graph rules and graph schedules (StartExportTask API reference: format PARQUET | CSV, a
// kmsKeyIdentifier that is a key ARN, exportFilter per vertex and edge label).

const graph: SnapshotSource = {
  kind: 'graph',
  arn: 'arn:aws:neptune-graph:us-east-1:123456789012:graph/g-0a1b2c3d4e',
  sourceIdentifier: 'social-graph',
  engine: 'neptune-graph',
  status: 'AVAILABLE',
  schedule: 'weekly-graphs',
  scheduledTime: '2024-05-05T04:00:00.000Z',
};
const destination = {
  bucket: 'env-bucket',
  kmsKey: '0a1b2c3d-2222-4222-8333-944455556666',
  role: 'arn:aws:iam::123456789012:role/env-rds-export',
  graphRole: 'arn:aws:iam::123456789012:role/env-graph-export',
};
const policyOf = (yaml: string) => parsePolicy(`version: 1\n${yaml}`, 'test.yml');
const problems = (yaml: string) => {
  try {
    policyOf(yaml);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('graph rules in the policy', () => {
  it('take format and exportFilter, validated against the API shapes', () => {
    const policy = policyOf(`rules:
  - name: graphs
    match: { kind: graph }
    action: export
    export:
      format: csv
      maxConcurrentGraphExports: 4
      exportFilter:
        vertexFilter:
          person: { properties: { emails: { multiValueHandling: TO_LIST, outputType: String } } }
        edgeFilter:
          follows: {}
`);
    const rule = policy.rules[0];
    expect(rule?.action === 'export' && rule.export).toMatchObject({
      format: 'csv',
      maxConcurrentGraphExports: 4,
    });
  });

  it.each([
    [
      'a multiValueHandling the API does not have',
      `rules: [{ name: g, match: { kind: graph }, action: export, export: { exportFilter: { vertexFilter: { p: { properties: { a: { multiValueHandling: ALL } } } } } } }]`,
      'rules[0].export.exportFilter.vertexFilter.p.properties.a.multiValueHandling: must be "TO_LIST" or "PICK_FIRST"',
    ],
    [
      'a member the API does not have',
      `rules: [{ name: g, match: { kind: graph }, action: export, export: { exportFilter: { vertexFilter: { p: { props: {} } } } } }]`,
      'rules[0].export.exportFilter.vertexFilter.p.props: unknown field',
    ],
    [
      'a format on a rule that matches more than graphs',
      `rules: [{ name: g, action: export, export: { format: csv } }]`,
      'rules[0].export.format: only for a rule whose match.kind is graph (and nothing else)',
    ],
    [
      'an exportOnly list on a graph rule',
      `rules: [{ name: g, match: { kind: [graph, cluster] }, action: export, export: { exportOnly: [db] } }]`,
      'rules[0].export.exportOnly: graphs take exportFilter, not exportOnly',
    ],
    [
      'a format that is neither parquet nor csv',
      `rules: [{ name: g, match: { kind: graph }, action: export, export: { format: json } }]`,
      'rules[0].export.format: must be "parquet" or "csv"',
    ],
    [
      'more concurrent graph exports than the pipeline allows',
      `rules: [{ name: g, match: { kind: graph }, action: export, export: { maxConcurrentGraphExports: 11 } }]`,
      'rules[0].export.maxConcurrentGraphExports: must be at most 10',
    ],
    [
      'an engine in a graph schedule',
      `rules: [{ name: g, action: export }]
schedules: [{ name: w, expression: rate(7 days), select: { kind: graph, engine: x } }]`,
      'schedules[0].select.engine: a graph has no engine to select by',
    ],
  ])('refuses %s, naming the field', (_what, yaml, message) => {
    expect(problems(yaml)).toContain(`test.yml: ${message}`);
  });
});

// The shapes of the neptune-graph API model (2023-11-29): ExportFilterLabel and
// ExportFilterSourcePropertyName 1-128 characters, ExportFilterOutputPropertyName 1-128 of
// [a-zA-Z0-9_], ExportFilterOutputDataType one of twelve type names.
describe('exportFilter names and types, checked against the API model when the policy loads', () => {
  const filterRule = (filter: string) =>
    `rules: [{ name: g, match: { kind: graph }, action: export, export: { exportFilter: ${filter} } }]`;
  const at = 'rules[0].export.exportFilter';
  const long = 'x'.repeat(129);

  it('accepts every output type of the model, and names of 128 characters', () => {
    const types = ['Any', 'Byte', 'Short', 'Int', 'Long', 'Float', 'Double', 'String', 'Bool', 'Boolean'];
    const properties = [...types, 'Float[]', 'Double[]']
      .map((type, i) => `p${i}: { outputType: "${type}" }`)
      .join(', ');
    const name = 'n'.repeat(128);
    expect(
      problems(
        filterRule(
          `{ vertexFilter: { ${name}: { properties: { ${properties}, ${name}: { sourcePropertyName: ${name} } } } } }`,
        ),
      ),
    ).toBe('');
  });

  it.each([
    [
      'an output type the model does not have',
      filterRule('{ vertexFilter: { person: { properties: { age: { outputType: Integer } } } } }'),
      `${at}.vertexFilter.person.properties.age.outputType: must be "Any" or "Byte"`,
    ],
    [
      'an output type in the wrong case',
      filterRule('{ edgeFilter: { knows: { properties: { since: { outputType: string } } } } }'),
      `${at}.edgeFilter.knows.properties.since.outputType: must be "Any"`,
    ],
    [
      'a property name with a character outside [a-zA-Z0-9_]',
      filterRule('{ vertexFilter: { person: { properties: { e-mail: {} } } } }'),
      `${at}.vertexFilter.person.properties.e-mail: a property name must be 1-128 ASCII letters, digits or _`,
    ],
    [
      'a property name longer than 128 characters',
      filterRule(`{ edgeFilter: { knows: { properties: { ${long}: {} } } } }`),
      `${at}.edgeFilter.knows.properties.${long}: a property name must be 1-128 ASCII letters, digits or _`,
    ],
    [
      'a vertex label longer than 128 characters',
      filterRule(`{ vertexFilter: { ${long}: {} } }`),
      `${at}.vertexFilter.${long}: a label must be 1-128 characters`,
    ],
    [
      'an edge label that is empty',
      filterRule(`{ edgeFilter: { "": {} } }`),
      `${at}.edgeFilter.: a label must be 1-128 characters`,
    ],
    [
      'a sourcePropertyName longer than 128 characters',
      filterRule(`{ vertexFilter: { person: { properties: { name: { sourcePropertyName: ${long} } } } } }`),
      `${at}.vertexFilter.person.properties.name.sourcePropertyName: must be at most 128 characters`,
    ],
  ])('refuses %s, naming the field', (_what, yaml, message) => {
    expect(problems(yaml)).toContain(`test.yml: ${message}`);
  });
});

describe('deciding for a graph', () => {
  const policy = policyOf(`defaults:
  export:
    prefix: "exports/{kind}/{source}/{year}/{month}/{day}"
rules:
  - name: graphs
    match: { kind: graph, identifier: "g-0a1b*" }
    action: export
    export:
      exportFilter:
        vertexFilter:
          person: { properties: { emails: { multiValueHandling: TO_LIST } } }
  - { name: csv-graphs, match: { kind: graph }, action: export, export: { format: csv } }
`);

  it('builds the exact neptune-graph StartExportTask input, below a destination of its own', async () => {
    const decision = await decide(policy, graph, { destination });
    expect(decision.action).toBe('export');
    if (decision.action !== 'export') return;
    const id = decision.job.exportTaskIdentifier;
    expect(id).toMatch(/^social-graph-[0-9a-f]{10}$/);
    expect(decision.job.request).toEqual({
      graphIdentifier: 'g-0a1b2c3d4e',
      roleArn: destination.graphRole,
      format: 'PARQUET',
      destination: `s3://env-bucket/exports/graph/social-graph/2024/05/05/${id}/`,
      // The model takes a key ARN only: a key ID is completed with the graph's Region and account.
      kmsKeyIdentifier: `arn:aws:kms:us-east-1:123456789012:key/${destination.kmsKey}`,
      parquetType: 'COLUMNAR',
      exportFilter: {
        vertexFilter: { person: { properties: { emails: { multiValueHandling: 'TO_LIST' } } } },
      },
    });
    expect(decision.job.limits.maxConcurrentExports).toBe(2);
  });

  it('matches a rule by the graph’s name as by its g-… identifier, and exports CSV where the rule says', async () => {
    const other = { ...graph, arn: graph.arn.replace('g-0a1b2c3d4e', 'g-ffffffffff') };
    const decision = await decide(policy, other, { destination });
    expect(decision.action === 'export' && decision.job.request).toMatchObject({ format: 'CSV' });
    expect(decision.action === 'export' && decision.job.request).not.toHaveProperty('parquetType');
  });

  it('alerts when no graph export role is configured, naming the variable', async () => {
    const decision = await decide(policy, graph, { destination: { ...destination, graphRole: undefined } });
    expect(decision).toEqual({
      action: 'skip',
      rule: 'graphs',
      reason: 'no export role (export.role or GRAPH_EXPORT_ROLE_ARN)',
      alert: true,
    });
  });

  it('waits for a graph in a transient state, and skips one in a lasting state with the reason', async () => {
    const importing = await decide(policy, { ...graph, status: 'IMPORTING' }, { destination });
    expect(importing.action === 'export' && importing.reason).toContain(
      'graph is IMPORTING: the export waits',
    );
    expect(await decide(policy, { ...graph, status: 'STOPPED' }, { destination })).toEqual({
      action: 'skip',
      rule: null,
      reason: 'not exportable: graph is STOPPED, not AVAILABLE; the next slot tries again',
    });
  });
});

describe('whether a graph can be exported', () => {
  it.each(['CREATING', 'IMPORTING', 'SNAPSHOTTING', 'UPDATING', 'RESETTING', 'STARTING'])(
    'waits while the graph is %s: it becomes AVAILABLE on its own',
    (status) => {
      expect(graphExportability({ status }).exportable).toBe('wait');
    },
  );
  it.each(['STOPPED', 'STOPPING', 'DELETING', 'FAILED', 'SOMETHING_NEW'])(
    'skips the slot while the graph is %s: that lasts until someone acts',
    (status) => {
      expect(graphExportability({ status }).exportable).toBe(false);
    },
  );
  it('exports an AVAILABLE graph', () => {
    expect(graphExportability({ status: 'AVAILABLE' })).toEqual({ exportable: true });
  });
});

describe('the documented graph policies', () => {
  it("docs/policy.md's graph policy loads and exports a graph it selects with its filter", async () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'policy.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Graphs: Neptune Analytics'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml).toContain('kind: graph');
    const policy = policyOf(yaml ?? '');
    const decision = await decide(
      policy,
      { ...graph, sourceIdentifier: 'social-prod' },
      { destination, tags: { env: 'prod' } },
    );
    expect(decision.action).toBe('export');
    if (decision.action !== 'export' || !('graphIdentifier' in decision.job.request)) return;
    expect(decision.job.request.exportFilter?.vertexFilter?.customer?.properties?.emails).toEqual({
      multiValueHandling: 'TO_LIST',
    });
    expect(decision.job.limits.maxConcurrentExports).toBe(2);
  });

  it("local/export-policy.yml exports the sample graph with the filter the sample's tests expect", () => {
    const policy = loadPolicyFile(path.join(ROOT, 'local', 'export-policy.yml'));
    const filters = policy.rules
      .filter((r) => r.action === 'export' && r.match.kind?.includes('graph'))
      .map((r) => (r.action === 'export' ? r.export.exportFilter : undefined));
    expect(filters.length).toBeGreaterThan(1);
    for (const filter of filters) expect(filter).toEqual(SAMPLE_EXPORT_FILTER);
  });
});
