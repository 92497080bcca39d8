import { InvalidInputError } from '#shared/contract/errors.ts';
import type { KindPlan } from '#shared/sources/kinds/types.ts';
import { selectClusters, selects, toClusterSource } from '#shared/sources/rds/clusters.ts';

/** `rds-export plan --schedule <cluster schedule> [--cluster <cluster.json>]`. */
export const clusterPlan: KindPlan = {
  option: 'cluster',
  plural: 'clusters',
  criteria: 'identifier, engine or tags',
  help: [
    'the DBCluster JSON as describe-db-clusters prints it (works offline); without it',
    'every cluster the schedule selects is listed through the AWS SDK',
  ],
  listKeys: ['DBClusters'],
  notAnObject: 'a DBCluster object',
  fromFile(item, schedule, at) {
    const cluster = toClusterSource(item, schedule.name, at);
    return { one: cluster, selected: selects(schedule.select, cluster) };
  },
  all(clients, schedule, at) {
    if (clients.rds === undefined) throw new InvalidInputError('a cluster schedule needs an RDS client');
    return selectClusters(clients.rds, schedule.select, schedule.name, at);
  },
};
