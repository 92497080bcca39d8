import { memberStackNames, safeScope } from '#shared/aws/accounts.ts';
import type { DispatchDeps } from '#shared/exports/dispatch.ts';
import type { ExportLedger } from '#shared/exports/ledger.ts';
import { loadPolicyFile } from '#shared/policy/load.ts';
import { optionOrEnv, type Values } from '../command.ts';
import type { Context } from './deployment.ts';

export const POLICY_OPTION = { policy: { type: 'string' } } as const;
export const POLICY_USAGE = `  --policy             the export policy (default: env RDS_EXPORT_POLICY, else export-policy.yml): the same
                       rules as the deployment, so these exports decide as an event would`;

/**
 * What the commands that start exports hand shared/exports/dispatch.ts, the path events take. The CLI holds
 * read actions plus states:StartExecution (docs/operations.md, "Operator policy"), so its exports are decided
 * against the ledger but not recorded in it (`ledger` is a read-only view, or none), and a skip is
 * reported on the terminal instead of being published to the topic. They decide where the
 * deployment's functions do (shared/aws/accounts.ts Home: its account is its state machine's, its
 * Region the stack's), so a member's source gets the member's export role, by the name the hub
 * gives its functions (serverless.yml custom.names.memberExportRole), and its `<account>/` folder.
 */
export function dispatchDeps(ctx: Context, values: Values, ledger?: ExportLedger): DispatchDeps {
  const policyFile = optionOrEnv(values, 'policy', 'RDS_EXPORT_POLICY') ?? 'export-policy.yml';
  const { bucket, kmsKey, role, stage, stateMachineArn, region } = ctx.deployment;
  return {
    sfn: ctx.clients.sfn,
    policy: loadPolicyFile(policyFile),
    stateMachineArn: ctx.deployment.stateMachineArn,
    ...(ledger === undefined ? {} : { ledger }),
    home: {
      account: safeScope(stateMachineArn)?.account,
      region,
      memberExportRole: memberStackNames(stage).exportRole,
    },
    destination: {
      ...(bucket === undefined ? {} : { bucket }),
      ...(kmsKey === undefined ? {} : { kmsKey }),
      ...(role === undefined ? {} : { role }),
    },
    notify: async () => undefined,
    now: ctx.now,
  };
}
