import { clip, colourOn, duration, painter, table, when } from './format.ts';
import type { StatusReport } from './status.ts';

const ACTIVITY_COLOURS = {
  queued: 'yellow',
  'in progress': 'cyan',
  starting: 'cyan',
  canceling: 'yellow',
} as const;

export function renderStatus(report: StatusReport, colour = colourOn()): string {
  const paint = painter(colour);
  const lines = [
    paint(`rds-export ${report.stage} (${report.region}), ${when(report.at)}`, 'bold'),
    '',
    `Export slots: ${report.slots.used} of ${report.slots.limit} in use (the account's, whoever started them)`,
  ];
  const others = report.slots.tasks.filter((t) => !t.pipeline);
  for (const t of others) {
    lines.push(
      `  not started by this deployment: ${t.exportTaskIdentifier} ${t.status} ${t.percentProgress ?? 0}%`,
    );
  }
  for (const pool of report.accountSlots) {
    lines.push(
      `Export slots of account ${pool.account} (${pool.region}): ${pool.used} of ${pool.limit} in use (this deployment's leases there)`,
    );
    for (const lease of pool.leases.filter((l) => !l.pipeline)) {
      lines.push(
        `  not started by this deployment: ${lease.exportTaskIdentifier} since ${when(lease.since)}`,
      );
    }
  }
  const graph = report.graphSlots;
  // Shown where graphs are exported: a lease is held, or a running graph export names its limit.
  if (graph.used > 0 || graph.limit !== undefined) {
    lines.push(
      `Graph export slots: ${graph.used}${graph.limit === undefined ? '' : ` of ${graph.limit}`} in use (Neptune Analytics exports, counted apart)`,
    );
    for (const lease of graph.leases.filter((l) => !l.pipeline)) {
      lines.push(
        `  not started by this deployment: ${lease.exportTaskIdentifier} since ${when(lease.since)}`,
      );
    }
  }
  lines.push('', paint(`Running exports: ${report.running.length}`, 'bold'));
  if (report.running.length > 0) {
    lines.push(
      table(
        ['EXPORT TASK', 'SOURCE', 'PHASE', 'FOR', 'PROGRESS', 'ESTIMATED FINISH'],
        report.running.map((r) => [
          r.exportTaskIdentifier,
          r.source ?? '-',
          paint(r.activity, ACTIVITY_COLOURS[r.activity as keyof typeof ACTIVITY_COLOURS] ?? 'dim'),
          duration(r.seconds),
          r.percentProgress === undefined ? '-' : `${r.percentProgress}%`,
          r.estimatedFinish === undefined ? '-' : when(r.estimatedFinish),
        ]),
        new Set([3, 4]),
      ),
    );
  }
  lines.push('', paint(`Failures in the last 24 hours: ${report.failures.length}`, 'bold'));
  if (report.failures.length > 0) {
    lines.push(
      table(
        ['EXPORT TASK', 'SOURCE', 'OUTCOME', 'ENDED', 'CAUSE'],
        report.failures.map((f) => [
          f.exportTaskIdentifier,
          f.source ?? '-',
          paint(f.outcome, f.outcome === 'CANCELED' ? 'yellow' : 'red'),
          when(f.endedAt),
          clip(f.cause),
        ]),
      ),
    );
  }
  lines.push('', paint(`Alerts in the last 24 hours: ${report.alerts.length}`, 'bold'));
  if (report.alerts.length > 0) {
    lines.push(
      table(
        ['ALERT', 'EXPORT TASK', 'MESSAGE'],
        report.alerts.map((a) => [paint(a.kind, 'yellow'), a.exportTaskIdentifier, clip(a.message)]),
      ),
    );
  }
  return lines.join('\n');
}
