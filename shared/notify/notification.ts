import type { NotificationKind } from '../contract/execution.ts';

export type Severity = 'info' | 'warning' | 'critical';

/**
 * One message to operators, independent of the channel. functions/notify builds these from the
 * execution state; functions/on-snapshot builds the opt-in `skipped` one. `publishNotification`
 * (shared/notify/) sends it to SNS (JSON body + message attributes status/source/severity) and,
 * when configured, to Slack.
 */
export interface Notification {
  kind: NotificationKind;
  severity: Severity;
  /** One line: what happened, e.g. "Export of snapshot rds:orders-2024-05-01 completed". */
  title: string;
  /** Source DB instance / cluster identifier (the `source` message attribute). */
  source: string;
  snapshotArn?: string;
  exportTaskIdentifier?: string;
  executionId?: string;
  /** Where the export is: s3://bucket/prefix/id/ */
  destination?: string;
  sizeGB?: number;
  durationSeconds?: number;
  /** Why it failed / was skipped, in the service's words where there are some. */
  cause?: string;
  /** What an operator should do, concretely (statements to add, names to fix). */
  fix?: string;
  skippedTables?: string[];
  registeredTables?: string[];
  /** Tables the export wrote but registration could not catalog, as "target: reason". */
  failedTables?: string[];
  /** Tables whose columns changed since the previous export, as "target: added …; dropped …". */
  schemaChanges?: string[];
  /** Extra facts as label → value, shown in Slack and kept in the SNS JSON. */
  details?: Record<string, string | number | boolean>;
}
