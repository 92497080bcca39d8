import type { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import type { RDSClient } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { type Scope, scopeOf } from '#shared/aws/accounts.ts';
import { ConfigurationError, InvalidInputError, PipelineError } from '#shared/contract/errors.ts';
import { type DispatchDeps, dispatchExport, type Outcome } from '#shared/exports/dispatch.ts';
import { type Schedule, scheduleAccountId } from '#shared/policy/schedule.ts';
import type { Policy } from '#shared/policy/schema.ts';
import { logger } from '#shared/runtime/logger.ts';
import { parseWith } from '#shared/runtime/validation.ts';
import { selectOf } from '#shared/sources/kinds/registry/select.ts';
import type { ScheduledSource } from '#shared/sources/kinds/types.ts';

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
  /** RDS of the deployment's own account and Region. */
  rds: Pick<RDSClient, 'send'>;
  /**
   * RDS of another account or Region a cluster schedule selects (`select.accounts`,
   * `select.regions`): shared/sources/rds/clients.ts rdsByScope, a member's through its access
   * role. Without it a schedule can select the deployment's own account and Region only.
   */
  rdsIn?: (scope: Scope) => Pick<RDSClient, 'send'>;
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
 * The accounts and Regions a schedule's slot lists sources in: each of `select.accounts` (IDs, or
 * names the policy's `accounts:` gives) in each of `select.regions`, each the deployment's own
 * (`own`) when not given.
 */
export function scheduleScopes(schedule: Schedule, policy: Pick<Policy, 'accounts'>, own: Scope): Scope[] {
  const accounts = (schedule.select.accounts ?? [own.account]).map((entry) => {
    const id = scheduleAccountId(entry, policy.accounts);
    // The policy loader refuses a name it lacks: this is a policy that skipped it.
    if (id === undefined)
      throw new ConfigurationError(
        `schedule "${schedule.name}": account "${entry}" is no name under accounts:`,
      );
    return id;
  });
  const regions = schedule.select.regions ?? [own.region];
  return accounts.flatMap((account) =>
    regions.map((region) => ({ partition: own.partition, account, region })),
  );
}

/**
 * One schedule slot: resolve the selector to clusters or graphs in each account and Region it
 * names, then each through the same rules, ledger and start path as a snapshot. A failure for one
 * account and Region (a member's role refused, throttling) or one source does not stop the others;
 * the invocation then fails, so Scheduler retries the slot, and the sources already started are
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
  // The deployment's own account and Region: those of its state machine, unless the environment says.
  const machine = scopeOf(deps.stateMachineArn);
  const own: Scope = {
    partition: machine.partition,
    account: deps.home?.account ?? machine.account,
    region: deps.home?.region ?? machine.region,
  };
  const scopes = scheduleScopes(schedule, deps.policy, own);
  const failures: PipelineError[] = [];
  const sources: ScheduledSource[] = [];
  for (const scope of scopes) {
    try {
      const rds =
        scope.account === own.account && scope.region === own.region ? deps.rds : rdsOf(deps, scope);
      // The schedule's kind selects its sources: live clusters, or Neptune Analytics graphs.
      sources.push(
        ...(await selectOf(schedule.select.kind).select(
          { ...deps, rds },
          schedule,
          slot.scheduledTime,
          deps.policy,
        )),
      );
    } catch (error) {
      logger.error('the slot skips this account and Region: the slot is retried', {
        schedule: schedule.name,
        account: scope.account,
        region: scope.region,
        error,
      });
      failures.push(asPipelineError(error));
    }
  }
  logger.info('schedule slot', {
    schedule: schedule.name,
    scheduledTime: slot.scheduledTime,
    scopes: scopes.map((s) => `${s.account}/${s.region}`),
    selected: sources.length,
  });
  const decisions: Outcome[] = [];
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
      failures.push(asPipelineError(error));
    }
  }
  if (failures[0] !== undefined) throw failures[0];
  return { schedule: schedule.name, scheduledTime: slot.scheduledTime, decisions };
}

const asPipelineError = (error: unknown): PipelineError =>
  error instanceof PipelineError ? error : new InvalidInputError(String(error), { cause: error });

/** RDS of another account or Region than the deployment's own. */
function rdsOf(deps: OnScheduleDeps, scope: Scope): Pick<RDSClient, 'send'> {
  if (deps.rdsIn === undefined)
    throw new ConfigurationError(
      `no RDS client for account ${scope.account} in ${scope.region}: on-schedule was built for its own account and Region only`,
    );
  return deps.rdsIn(scope);
}
