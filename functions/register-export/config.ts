import { z } from 'zod';
import { AccountsEnv } from '#shared/aws/accounts.ts';

/** register-export's environment: the prefix of the Glue databases it may create (IAM is scoped to it). */
export const RegisterExportEnv = z.object({
  GLUE_DATABASE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_]*$/, 'must be lowercase letters, digits and _')
    .default('rds_export_'),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).optional(),
  ...AccountsEnv.shape,
});
