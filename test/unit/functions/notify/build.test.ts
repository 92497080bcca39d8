import { describe, expect, it } from 'vitest';
import { buildNotification } from '#functions/notify/build.ts';
import { NOTIFICATION_KINDS, NotifyInput } from '#shared/contract/execution.ts';
import { parseWith } from '#shared/runtime/validation.ts';
import { BUCKET, checked, EXPORT_ID, input, jsonBlocksOf, ROLE_ARN, state, task } from './state.ts';

const DESTINATION = `s3://${BUCKET}/rds/orders/${EXPORT_ID}/`;
const SNAPSHOT = 'rds:orders-2024-05-01-06-10';

const registration = {
  database: 'rds_export_orders',
  registered: [
    { target: 'orders.public.orders', table: 'public_orders', columns: 12 },
    {
      target: 'orders.public.line_items',
      table: 'public_line_items',
      columns: 8,
      notes: ['2 files had an extra column'],
    },
  ],
  skipped: [{ target: 'orders.public.audit log', reason: 'column names contain spaces' }],
  failed: [{ target: 'orders.public.blobs', reason: 'no Parquet files under the table prefix' }],
  registeredCount: 2,
  skippedCount: 1,
  failedCount: 1,
};

function lambdaError(name: string, message: string) {
  return { Error: name, Cause: JSON.stringify({ errorType: name, errorMessage: message, trace: [] }) };
}

describe('buildNotification', () => {
  it('reports a completed export: size, duration, destination and the registration summary', () => {
    const n = buildNotification(input('completed', state({ ...checked(task()), registration })));

    expect(n).toMatchObject({
      kind: 'completed',
      title: `Export of snapshot ${SNAPSHOT} completed`,
      source: 'orders',
      exportTaskIdentifier: EXPORT_ID,
      destination: DESTINATION,
      sizeGB: 263,
      durationSeconds: 2 * 3600 + 13 * 60,
      registeredTables: [
        'rds_export_orders.public_orders (orders.public.orders)',
        'rds_export_orders.public_line_items (orders.public.line_items) — 2 files had an extra column',
      ],
      skippedTables: ['orders.public.audit log: column names contain spaces'],
      failedTables: ['orders.public.blobs: no Parquet files under the table prefix'],
      details: { glueDatabase: 'rds_export_orders', rule: 'nightly-orders' },
    });
    // A table that is not queryable needs someone to act.
    expect(n.severity).toBe('warning');
    expect(n.cause).toContain('1 table(s) could not be registered');
  });

  it('names the source’s account and Region, and a member account’s name when the policy gives one', () => {
    const own = buildNotification(input('started', state()));
    expect(own.details).toMatchObject({
      account: expect.stringMatching(/^\d{12}$/),
      region: expect.any(String),
    });
    expect(own.details).not.toHaveProperty('accountName');
    const named = buildNotification(input('started', state({ accountName: 'finance-prod' })));
    expect(named.details).toMatchObject({ accountName: 'finance-prod' });
  });

  it('is info when every table was registered', () => {
    const n = buildNotification(
      input(
        'completed',
        state({ ...checked(task()), registration: { ...registration, failed: [], failedCount: 0 } }),
      ),
    );
    expect(n.severity).toBe('info');
    expect(n.cause).toBeUndefined();
  });

  it('counts every table of a huge export and links the full report when the state holds only the first ones', () => {
    const big = {
      ...registration,
      registeredCount: 1500,
      failedCount: 2000,
      skippedCount: 2000,
      report: `${DESTINATION}rds-export-registration-report.json`,
    };
    const n = buildNotification(input('completed', state({ ...checked(task()), registration: big })));
    expect(n.cause).toContain('2000 table(s) could not be registered');
    expect(n.failedTables?.at(-1)).toBe(`… and 1999 more (full list in ${big.report})`);
    expect(n.skippedTables?.at(-1)).toBe(`… and 1999 more (full list in ${big.report})`);
    expect(n.registeredTables?.at(-1)).toBe(`… and 1498 more (full list in ${big.report})`);
    expect(n.details).toMatchObject({
      tablesRegistered: 1500,
      tablesNotRegistered: 2000,
      report: big.report,
    });
  });

  it('merges the tables the WarningMessage says were skipped, and suggests the grant for permission errors', () => {
    const warningMessage = JSON.stringify({
      skippedTables: [
        { target: 'orders.public.audit log', reason: 'column names contain spaces' },
        { target: 'orders.secret.keys', reason: 'PERMISSIONS_DO_NOT_EXIST' },
      ],
      general: [{ reason: 'FAILED_TO_EXTRACT_TABLES_LIST_FOR_DATABASE' }],
    });
    const n = buildNotification(
      input('completed', state({ ...checked(task({ warningMessage })), registration })),
    );

    expect(n.skippedTables).toEqual([
      'orders.public.audit log: column names contain spaces',
      'orders.secret.keys: PERMISSIONS_DO_NOT_EXIST',
    ]);
    expect(n.details?.exportWarnings).toBe('FAILED_TO_EXTRACT_TABLES_LIST_FOR_DATABASE');
    expect(n.fix).toContain('GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA');
  });

  it('lists a table once when registration and the WarningMessage both report it skipped', () => {
    const warningMessage = JSON.stringify({ skippedTables: ['orders.public.audit log'] });
    const n = buildNotification(
      input('completed', state({ ...checked(task({ warningMessage })), registration })),
    );
    expect(n.skippedTables).toEqual(['orders.public.audit log: column names contain spaces']);
  });

  it('shows the export metadata files registration could not read', () => {
    const problems = ['export_tables_info_x_from_1_to_2.json: not JSON (Unexpected token)'];
    const n = buildNotification(
      input('completed', state({ ...checked(task()), registration: { ...registration, problems } })),
    );
    expect(n.details?.exportMetadataProblems).toBe(problems[0]);
  });

  it('says the WarningMessage was malformed instead of failing', () => {
    const n = buildNotification(
      input('completed', state({ ...checked(task({ warningMessage: '{not json' })), registration })),
    );
    expect(n.details?.warningMessage).toContain('WarningMessage is not JSON: {not json');
  });

  it('says registration failed, and why, when a completed export carries an error', () => {
    const n = buildNotification(
      input(
        'completed',
        state({
          ...checked(task()),
          error: lambdaError('UnexpectedAwsError', 'Glue AccessDeniedException: not authorized'),
        }),
      ),
    );
    expect(n.severity).toBe('warning');
    expect(n.cause).toBe(
      'The export completed, but registering it in the Glue Data Catalog failed: UnexpectedAwsError: Glue AccessDeniedException: not authorized',
    );
    expect(n.fix).toContain('Glue AccessDeniedException');
    expect(n.sizeGB).toBe(263);
  });

  it('reports a failed export with the cause from RDS and the documented fix naming the job resources', () => {
    const failureCause = `The IAM role ${ROLE_ARN} isn't authorized to call s3:PutObject on the S3 bucket ${BUCKET}. Review your permissions and retry the export.`;
    const n = buildNotification(input('failed', state(checked(task({ status: 'FAILED', failureCause })))));

    expect(n).toMatchObject({
      kind: 'failed',
      severity: 'critical',
      title: `Export of snapshot ${SNAPSHOT} failed`,
      cause: failureCause,
      details: { failureMessage: 'role-not-authorized-for-action' },
    });
    expect(n.fix).toContain(`Allow role ${ROLE_ARN} to call s3:PutObject`);
  });

  it('still explains a failure without a cause', () => {
    const n = buildNotification(input('failed', state(checked(task({ status: 'FAILED' })))));
    expect(n.cause).toBe('RDS reported FAILED without a failure cause.');
    expect(n.fix).toContain('RDS gave no failure cause');
  });

  it('gives the KMS statements when the start failed on the key', () => {
    const n = buildNotification(
      input(
        'start-failed',
        state({ error: lambdaError('ExportKmsKeyNotAccessibleError', 'KMSKeyNotAccessibleFault: denied') }),
      ),
    );
    expect(n).toMatchObject({
      severity: 'critical',
      title: `Export of snapshot ${SNAPSHOT} could not be started`,
      cause: 'ExportKmsKeyNotAccessibleError: KMSKeyNotAccessibleFault: denied',
      details: { error: 'ExportKmsKeyNotAccessibleError' },
    });
    expect(jsonBlocksOf(n.fix)[0]).toMatchObject({ Principal: { AWS: ROLE_ARN } });
  });

  it('reports a check that failed, even with a Cause that is not JSON', () => {
    const n = buildNotification(
      input('check-failed', state({ error: { Error: 'ExportTaskNotFoundError', Cause: 'gone' } })),
    );
    expect(n.title).toBe(`Export of snapshot ${SNAPSHOT} could not be tracked`);
    expect(n.cause).toBe('ExportTaskNotFoundError: gone');
    expect(n.fix).toContain(`aws rds describe-export-tasks --export-task-identifier ${EXPORT_ID}`);
  });

  it('reports how long an export has waited for a slot and how many are running', () => {
    const s = state({
      start: {
        outcome: 'queued',
        waitSeconds: 300,
        activeExports: 5,
        alertDue: true,
        queue: { since: '2024-05-01T07:00:00.000Z', attempts: 14, alerted: false },
      },
    });
    const n = buildNotification(input('queued-too-long', s), new Date('2024-05-01T08:30:00.000Z'));

    expect(n).toMatchObject({
      severity: 'warning',
      title: `Export of snapshot ${SNAPSHOT} has waited 1 h 30 min for a free export slot`,
      durationSeconds: 5400,
      details: { activeExports: 5, maxConcurrentExports: 3, attempts: 14 },
    });
    expect(n.cause).toContain('5 export task(s) are running');
    expect(n.fix).toContain('Nothing is dropped');
  });

  it('reports a canceled export as a warning and says its data stays in S3', () => {
    const n = buildNotification(input('canceled', state(checked(task({ status: 'CANCELED' })))));
    expect(n.severity).toBe('warning');
    expect(n.fix).toContain(`delete ${DESTINATION}`);
  });

  it('reports an unknown status with the status RDS returned', () => {
    const n = buildNotification(
      input('unknown-status', state(checked(task({ status: 'PAUSED' }), 'UNKNOWN'))),
    );
    expect(n.severity).toBe('critical');
    expect(n.cause).toContain('RDS reported status "PAUSED"');
  });

  it('reports a started export with its destination, and a tracked existing one', () => {
    const s = state({
      start: {
        outcome: 'tracking-existing',
        task: task({ status: 'IN_PROGRESS' }),
        waitSeconds: 60,
        eventWaitSeconds: 900,
        checkedAt: '2024-05-01T07:00:00.000Z',
      },
    });
    const n = buildNotification(input('started', s));
    expect(n).toMatchObject({
      severity: 'info',
      title: `Export of snapshot ${SNAPSHOT} started`,
      destination: DESTINATION,
    });
    expect(n.details?.note).toContain('already existed');
  });

  it('reports a skip by policy', () => {
    const n = buildNotification(input('skipped', state()));
    expect(n).toMatchObject({ severity: 'info', cause: 'Skipped by policy rule "nightly-orders".' });
  });

  it.each(NOTIFICATION_KINDS)('builds a sensible %s notification from a bare execution state', (kind) => {
    const n = buildNotification(input(kind, state()));
    expect(n.kind).toBe(kind);
    expect(n.title).toContain(SNAPSHOT);
    expect(n.source).toBe('orders');
    expect(['info', 'warning', 'critical']).toContain(n.severity);
    expect(JSON.stringify(n)).not.toContain('undefined');
  });

  it('builds the destination without a prefix, and from the task when RDS reports one', () => {
    const s = state();
    const noPrefix = { ...s, request: { ...s.request, S3Prefix: undefined } };
    expect(buildNotification(input('started', noPrefix)).destination).toBe(`s3://${BUCKET}/${EXPORT_ID}/`);
    const fromTask = state(checked(task({ s3Prefix: '/other/' })));
    expect(buildNotification(input('completed', fromTask)).destination).toBe(
      `s3://${BUCKET}/other/${EXPORT_ID}/`,
    );
  });
});

describe('the notify input contract', () => {
  const parseNotifyInput = (value: unknown) => parseWith(NotifyInput, value, 'notify input');
  it('accepts what the state machine sends', () => {
    expect(parseNotifyInput(input('completed', state())).kind).toBe('completed');
  });

  it('rejects anything else with an InvalidInputError that names the field', () => {
    expect(() => parseNotifyInput({ kind: 'exploded', state: state() })).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringContaining('kind') }),
    );
    expect(() => parseNotifyInput({ kind: 'failed', state: { ...state(), source: undefined } })).toThrow(
      /state\.source/,
    );
  });
});
