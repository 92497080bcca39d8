import { describe, expect, it } from 'vitest';
import { buildNotification } from '#functions/notify/build.ts';
import { remedyFor } from '#functions/notify/remedies.ts';
import type { ExecutionState } from '#shared/contract/execution.ts';
import { graphChecked, graphJob, graphStarted } from '#test/statemachines/graph-fixtures.ts';

// A graph export's notifications name the graph, its format and what it wrote, and each alert's
// fix names the graph export's own role, key and destination (Neptune Analytics user guide,
// "Import/export permissions").

const state = (extra: Partial<ExecutionState> = {}): ExecutionState => ({
  ...graphJob,
  start: graphStarted(),
  ...extra,
});

describe('graph export notifications', () => {
  it('says where the export is: its destination', () => {
    const n = buildNotification({ kind: 'started', state: state() });
    expect(n.title).toBe('Export of graph social-graph started');
    expect(n.destination).toBe(graphJob.request.destination);
    expect(n.details).toMatchObject({
      graph: 'social-graph',
      graphIdentifier: 'g-0a1b2c3d4e',
      format: 'PARQUET',
    });
  });

  it.each([
    ['a KMS key', 'Access denied to KMS key arn:aws:kms:…', 'kms:GenerateDataKey'],
    ['the bucket', 'The destination bucket acme-rds-exports does not exist', 'acme-rds-exports'],
  ])('matches a failure about %s to its fix', (_what, statusReason, fix) => {
    const n = buildNotification({
      kind: 'failed',
      state: state({ check: graphChecked('FAILED', 2, { statusReason }) }),
    });
    expect(n.severity).toBe('critical');
    expect(n.cause).toBe(statusReason);
    expect(n.fix).toContain(fix);
  });

  it.each([
    ['ExportSourceNotFoundError', 'get-graph --graph-identifier g-0a1b2c3d4e'],
    ['ExportSourceNotReadyError', 'did not become AVAILABLE'],
    ['ExportSourceUnavailableError', 'start-graph --graph-identifier g-0a1b2c3d4e'],
    ['ExportParameterInvalidError', 'kmsKeyIdentifier takes no alias'],
    ['ExportQuotaExceededError', 'maxConcurrentGraphExports'],
  ])('gives %s a fix in the graph’s own terms', (name, text) => {
    expect(remedyFor(name, graphJob)).toContain(text);
  });

  it('tells how long a queued graph export waited, against the graph pool’s limit', () => {
    const queued: ExecutionState = {
      ...graphJob,
      start: {
        outcome: 'queued',
        waitSeconds: 60,
        activeExports: 2,
        queue: { since: '2024-05-05T04:00:00.000Z', attempts: 3, alerted: false },
        alertDue: true,
      },
    };
    const n = buildNotification({ kind: 'queued-too-long', state: queued }, new Date('2024-05-05T07:00:00Z'));
    expect(n.cause).toContain('graph export task(s)');
    expect(n.fix).toContain('aws neptune-graph list-export-tasks');
  });
});
