import type { KindPolicy } from '#shared/sources/kinds/types.ts';

/**
 * Snapshots and live clusters take every setting of RDS's export (`exportOnly` among them) and every
 * selector of a cluster schedule: nothing of the policy is theirs alone, nothing refused.
 */
export const rdsPolicy: KindPolicy = { ownSettings: [], refusedSettings: {}, refusedSelectors: {} };
