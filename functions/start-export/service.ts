/**
 * The service an export is started with, behind one interface, so start.ts is one path for every
 * source kind: each kind's `start` (shared/sources/kinds/registry/start.ts) builds it. The slots, the
 * queue and the backoff are start.ts's, whatever the service.
 */
export type { ExportService } from '#shared/sources/kinds/types.ts';
