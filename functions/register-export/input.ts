import { z } from 'zod';
import { type RegistrationResult, SourceKind } from '#shared/contract/execution.ts';
import { registerOf } from '#shared/sources/kinds/registry/register.ts';
import { RegisterCursor } from './cursor.ts';
import { registerGraphExport } from './graph-register.ts';
import { type RegisterDeps, registerExport } from './register.ts';

/** The slice of the execution state this function reads (after check-export reported COMPLETE). */
export const RegisterState = z.object({
  exportTaskIdentifier: z.string().min(1),
  /** The policy rule the export ran under: its partitions record it, for retention. */
  rule: z.string().min(1).optional(),
  /** A member account's name from the policy (`accounts:`): its databases are named with it. */
  accountName: z.string().min(1).optional(),
  source: z.object({
    kind: SourceKind,
    /** Whose account the source is (its database's name says so for a member account's). */
    arn: z.string().startsWith('arn:').optional(),
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
  const cursor = state.registration?.cursor;
  return registerOf(state.source.kind).register(state, {
    rds: (input) => registerExport(input, deps, cursor),
    graph: (input) => registerGraphExport(input, deps, cursor),
  });
}
