import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { MAX_CONCURRENT_RDS_EXPORTS } from '#shared/contract/execution.ts';
import { type SlotsItem, slotsOf } from '#shared/slots/leases.ts';
import type { Context } from './deployment.ts';

/** One member account's (or other Region's) RDS export slots, as the deployment's leases hold them. */
export interface AccountSlots {
  account: string;
  region: string;
  used: number;
  limit: number;
  /** `pipeline: false` for a task the pipeline did not start, which holds an `outside` lease. */
  leases: { exportTaskIdentifier: string; since: string; pipeline: boolean }[];
}

/**
 * The RDS slots of every other account and Region the deployment exports from (`slots` /
 * `rds#<account>/<region>`, shared/slots/items.ts), from its own table: the operator's credentials
 * need no role in the member accounts. One query: a hub serves far fewer accounts and Regions than
 * one page of these items holds.
 */
export async function readAccountSlots(ctx: Context): Promise<AccountSlots[]> {
  const out = await ctx.clients.dynamodb.send(
    new QueryCommand({
      TableName: ctx.deployment.exportsTable,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :scoped)',
      ExpressionAttributeValues: marshall({ ':pk': 'slots', ':scoped': 'rds#' }),
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? [])
    .map((raw) => {
      const item = unmarshall(raw) as SlotsItem & { sk?: unknown };
      const [account = '', region = ''] = String(item.sk ?? '')
        .slice('rds#'.length)
        .split('/');
      const leases = [...slotsOf(item).leases]
        .map(([exportTaskIdentifier, lease]) => ({
          exportTaskIdentifier,
          since: lease.at,
          pipeline: lease.by !== 'outside',
        }))
        .sort((a, b) => a.since.localeCompare(b.since));
      return { account, region, used: leases.length, limit: MAX_CONCURRENT_RDS_EXPORTS, leases };
    })
    .sort((a, b) => `${a.account}/${a.region}`.localeCompare(`${b.account}/${b.region}`));
}
