import type { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import type { RDSClient } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { InvalidInputError, PipelineError } from '#shared/contract/errors.ts';
import { type DispatchDeps, dispatchExport, type Outcome } from '#shared/exports/dispatch.ts';
import { logger } from '#shared/runtime/logger.ts';
import { parseWith } from '#shared/runtime/validation.ts';
import { selectOf } from '#shared/sources/kinds/registry/select.ts';

/**
 * What EventBridge Scheduler hands the target (its Input, with the context attributes filled in):
 * the policy schedule's name and the slot's scheduled time, the same on a re-delivery of the slot.
 */
export const ScheduleEvent = z.object({
  schedule: z.string().min(1),
  scheduledTime: z.iso.datetime({ offset: true }),
});
export type ScheduleEvent = z.infer<typeof ScheduleEvent>;

export interface OnScheduleDeps extends DispatchDeps {
  rds: Pick<RDSClient, 'send'>;
  /** Lists the graphs a `kind: graph` schedule selects (Neptune Analytics ListGraphs). */
  graphs?: Pick<NeptuneGraphClient, 'send'>;
}

export interface ScheduleRun {
  schedule: string;
  scheduledTime: string;
  /** One logged decision per selected source. */
  decisions: Outcome[];
}

/**
 * One schedule slot: resolve the selector to clusters or graphs, then each through the same rules,
 * ledger and start path as a snapshot. A failure for one source does not stop the others; the
 * invocation then fails, so Scheduler retries the slot, and the sources already started are
 * duplicates (the execution name is per source and slot) that start nothing twice.
 */
export async function runSchedule(event: unknown, deps: OnScheduleDeps): Promise<ScheduleRun> {
  const slot = parseWith(ScheduleEvent, event, 'schedule event');
  const schedule = deps.policy.schedules.find((s) => s.name === slot.schedule);
  if (schedule === undefined) {
    throw new InvalidInputError(
      `schedule "${slot.schedule}" is not in the policy (known: ${deps.policy.schedules.map((s) => s.name).join(', ') || 'none'}); deploy the policy that created it`,
    );
  }
  // The schedule's kind selects its sources: live clusters, or Neptune Analytics graphs.
  const sources = await selectOf(schedule.select.kind).select(
    deps,
    schedule,
    slot.scheduledTime,
    deps.policy,
  );
  logger.info('schedule slot', {
    schedule: schedule.name,
    scheduledTime: slot.scheduledTime,
    selected: sources.length,
  });
  const decisions: Outcome[] = [];
  const failures: PipelineError[] = [];
  for (const { source, tags } of sources) {
    try {
      const outcome = await dispatchExport(source, tags, { trigger: `schedule ${schedule.name}` }, deps);
      logger.info('decision', { ...outcome });
      decisions.push(outcome);
    } catch (error) {
      logger.error('no decision yet for this source: the slot is retried', {
        source: source.sourceIdentifier,
        error,
      });
      failures.push(
        error instanceof PipelineError ? error : new InvalidInputError(String(error), { cause: error }),
      );
    }
  }
  if (failures[0] !== undefined) throw failures[0];
  return { schedule: schedule.name, scheduledTime: slot.scheduledTime, decisions };
}
