'use strict';
/**
 * Package-time step of serverless.yml (`custom.rdsEvents`): the EventBridge patterns' event IDs and
 * detail-types, read from shared/sources/rds/events.ts, the list the intake and the waits function match
 * events against, so a rule cannot route an event its function then ignores, or miss one it handles.
 */
const path = require('node:path');
const { require: tsRequire } = require('tsx/cjs/api');

const { detailTypesOf, EXPORT_ENDED_EVENTS, idsOf, SNAPSHOT_READY_EVENTS } = tsRequire(
  path.join(__dirname, '..', 'shared', 'sources', 'rds', 'events.ts'),
  __filename,
);

module.exports = () => ({
  snapshotReady: { detailTypes: detailTypesOf(SNAPSHOT_READY_EVENTS), ids: idsOf(SNAPSHOT_READY_EVENTS) },
  exportEnded: { ids: idsOf(EXPORT_ENDED_EVENTS) },
});
