import type { ExecutionState, ExportTaskSummary, RegistrationResult } from '#shared/contract/execution.ts';
import type { Notification } from '#shared/notify/notification.ts';
import { describeCaughtError } from './caught-error.ts';
import { remedyFor } from './remedies.ts';
import { parseWarningMessage } from './warning-message.ts';

type Summary = Pick<
  Notification,
  | 'registeredTables'
  | 'skippedTables'
  | 'failedTables'
  | 'schemaChanges'
  | 'cause'
  | 'fix'
  | 'severity'
  | 'details'
>;

/**
 * The catalog part of a completed export's notification: tables registered, tables the export
 * skipped (from the registration result and the task's WarningMessage), tables that could not be
 * registered, and, when registration itself failed (`$.error`), why and what to do.
 */
export function registrationSummary(state: ExecutionState, task: ExportTaskSummary | undefined): Summary {
  const details: Record<string, string | number | boolean> = {};
  const causes: string[] = [];
  const fixes: string[] = [];
  const registration: RegistrationResult | undefined = state.registration;

  const warnings = parseWarningMessage(task?.warningMessage);
  if (warnings.malformed !== undefined) details.warningMessage = warnings.malformed;
  if (warnings.general.length > 0) details.exportWarnings = warnings.general.join('; ');

  // register-export already folds the WarningMessage into its list, maybe in other words: one line
  // per table, the registration's first.
  const skipped = new Map<string, string>();
  for (const { target, reason } of [...(registration?.skipped ?? []), ...warnings.skipped]) {
    if (!skipped.has(target)) skipped.set(target, `${target}: ${reason}`);
  }
  const skippedTables = [...skipped.values()];
  const skippedCount = Math.max(skippedTables.length, registration?.skippedCount ?? 0);
  if (skippedCount > skippedTables.length) {
    skippedTables.push(`… and ${skippedCount - skippedTables.length} more (${reportHint(registration)})`);
  }
  if (skippedTables.some((line) => /PERMISSIONS_DO_NOT_EXIST/.test(line))) {
    // Aurora User Guide, "Troubleshooting PostgreSQL permissions errors".
    fixes.push(
      'Tables skipped with PERMISSIONS_DO_NOT_EXIST: the master user cannot read them. Run ' +
        '`GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA <schema> TO <master user>` and export again.',
    );
  }

  const registeredTables = registration?.registered.map(({ table, target, notes }) => {
    const name = `${registration.database}.${table}`;
    const from = table === target ? '' : ` (${target})`;
    return `${name}${from}${notes && notes.length > 0 ? ` — ${notes.join('; ')}` : ''}`;
  });
  if (registeredTables !== undefined && registration !== undefined) {
    const more = registration.registeredCount - registration.registered.length;
    if (more > 0) registeredTables.push(`… and ${more} more (${reportHint(registration)})`);
  }
  const failedTables = registration?.failed.map(({ target, reason }) => `${target}: ${reason}`);
  const failedCount = registration?.failedCount ?? 0;
  if (failedTables !== undefined && failedCount > failedTables.length) {
    failedTables.push(`… and ${failedCount - failedTables.length} more (${reportHint(registration)})`);
  }
  // One line per table whose columns changed since the previous export (its history stays readable).
  const schemaChanges = registration?.schemaChanges?.map(({ change }) => change);
  const changedCount = registration?.schemaChangesCount ?? 0;
  if (schemaChanges !== undefined && changedCount > schemaChanges.length) {
    schemaChanges.push(`… and ${changedCount - schemaChanges.length} more (${reportHint(registration)})`);
  }
  if (registration?.typedViews !== undefined) details.typedViews = registration.typedViews.count;
  if (registration !== undefined) {
    details.tablesRegistered = registration.registeredCount;
    details.tablesSkippedByExport = skippedCount;
    details.tablesNotRegistered = failedCount;
    if (registration.report !== undefined) details.report = registration.report;
  }
  if (registration !== undefined) details.glueDatabase = registration.database;
  if (registration?.problems !== undefined && registration.problems.length > 0) {
    details.exportMetadataProblems = registration.problems.join('; ');
  }
  if (failedCount > 0) {
    causes.push(`${failedCount} table(s) could not be registered in the Glue Data Catalog.`);
    fixes.push(
      'Fix the reason given for each table that could not be registered; registering the export again is safe.',
    );
  }

  if (state.error !== undefined) {
    const error = describeCaughtError(state.error);
    causes.push(
      `The export completed, but registering it in the Glue Data Catalog failed: ${error.name}` +
        `${error.message ? `: ${error.message}` : ''}`,
    );
    fixes.push(remedyFor(error.name, state, error.message));
  } else if (registration === undefined) {
    details.catalogRegistration = 'not reported';
  }

  const needsAction = state.error !== undefined || failedCount > 0;
  return {
    // An export whose tables are not queryable needs someone to act, though the data is in S3.
    severity: needsAction ? 'warning' : 'info',
    ...(registeredTables === undefined ? {} : { registeredTables }),
    skippedTables,
    ...(failedTables === undefined ? {} : { failedTables }),
    ...(schemaChanges === undefined || schemaChanges.length === 0 ? {} : { schemaChanges }),
    ...(causes.length > 0 ? { cause: causes.join(' ') } : {}),
    ...(fixes.length > 0 ? { fix: fixes.join('\n\n') } : {}),
    details,
  };
}

function reportHint(registration: RegistrationResult | undefined): string {
  return registration?.report === undefined
    ? 'see the register-export log'
    : `full list in ${registration.report}`;
}
