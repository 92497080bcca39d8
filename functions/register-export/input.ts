import { z } from 'zod';
import type { RegistrationResult } from '#shared/contract/execution.ts';
import { parseS3Uri } from '#shared/sources/graph/request.ts';
import { RegisterCursor } from './cursor.ts';
import { registerGraphExport } from './graph-register.ts';
import { type RegisterDeps, registerExport } from './register.ts';

/** The slice of the execution state this function reads (after check-export reported COMPLETE). */
export const RegisterState = z.object({
  exportTaskIdentifier: z.string().min(1),
  /** The policy rule the export ran under: its partitions record it, for retention. */
  rule: z.string().min(1).optional(),
  source: z.object({
    kind: z.string().min(1),
    sourceIdentifier: z.string().min(1),
    engine: z.string().min(1),
    snapshotIdentifier: z.string().optional(),
    scheduledTime: z.string().optional(),
  }),
  request: z.union([
    z.object({ S3BucketName: z.string().min(1), S3Prefix: z.string().optional() }),
    // A Neptune Analytics export: everything below its destination is this export's.
    z.object({ destination: z.string().startsWith('s3://'), format: z.enum(['PARQUET', 'CSV']) }),
  ]),
  check: z.object({
    task: z.object({
      s3Bucket: z.string().optional(),
      s3Prefix: z.string().optional(),
      snapshotTime: z.string().optional(),
      warningMessage: z.string().optional(),
    }),
  }),
  /** The previous invocation's result, when it stopped before its time limit with a cursor. */
  registration: z.object({ cursor: RegisterCursor.optional() }).optional(),
});
export type RegisterState = z.infer<typeof RegisterState>;

/** Registers what the export wrote, with the registration of its source's kind. */
export function registerFromState(
  state: RegisterState,
  deps: RegisterDeps,
): Promise<RegistrationResult & { cursor?: RegisterCursor }> {
  const { task } = state.check;
  const rule = state.rule === undefined ? {} : { rule: state.rule };
  if ('destination' in state.request) {
    const destination = parseS3Uri(state.request.destination);
    return registerGraphExport(
      {
        bucket: task.s3Bucket ?? destination.bucket,
        prefix: task.s3Prefix ?? destination.prefix,
        exportTaskIdentifier: state.exportTaskIdentifier,
        // The export clones the graph when it starts: its data is as of the task's start.
        snapshotTime: task.snapshotTime ?? state.source.scheduledTime ?? new Date().toISOString(),
        sourceIdentifier: state.source.sourceIdentifier,
        format: state.request.format,
        ...rule,
      },
      deps,
    );
  }
  return registerExport(
    {
      bucket: task.s3Bucket ?? state.request.S3BucketName,
      prefix: task.s3Prefix ?? state.request.S3Prefix,
      exportTaskIdentifier: state.exportTaskIdentifier,
      snapshotTime: task.snapshotTime,
      warningMessage: task.warningMessage,
      sourceIdentifier: state.source.sourceIdentifier,
      sourceKind: state.source.kind,
      engine: state.source.engine,
      ...rule,
    },
    deps,
    state.registration?.cursor,
  );
}
