import { parseS3Uri } from '#shared/sources/graph/request.ts';
import type { KindAddress, StartedRequest } from '#shared/sources/kinds/types.ts';

/** A graph export's destination already ends in its export name (shared/sources/graph/job.ts). */
export const graphAddress: KindAddress = {
  root(_exportTaskIdentifier, request) {
    const { destination } = request as Extract<StartedRequest, { destination: string }>;
    const { bucket, prefix } = parseS3Uri(destination);
    return { bucket, prefix: prefix === '' ? '' : `${prefix}/` };
  },
};
