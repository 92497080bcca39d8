import { InvalidInputError } from '#shared/contract/errors.ts';
import type { KindSelect } from '#shared/sources/kinds/types.ts';
import { selectClusters } from '#shared/sources/rds/clusters.ts';

/** A cluster schedule's slot selects the account's Aurora clusters its selector matches (DescribeDBClusters). */
export const clusterSelect: KindSelect = {
  select(clients, schedule, scheduledTime) {
    if (clients.rds === undefined) throw new InvalidInputError('a cluster schedule needs an RDS client');
    return selectClusters(clients.rds, schedule.select, schedule.name, scheduledTime);
  },
};
