import { z } from 'zod';
import { AccountsEnv } from '#shared/aws/accounts.ts';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** check-export's environment: bounds of the adaptive wait between status checks. */
export const CheckExportEnv = z
  .object({
    POLL_MIN_SECONDS: seconds(5),
    POLL_MAX_SECONDS: seconds(1800),
    ...AccountsEnv.shape,
  })
  .refine((env) => env.POLL_MIN_SECONDS <= env.POLL_MAX_SECONDS, {
    message: 'POLL_MIN_SECONDS must not exceed POLL_MAX_SECONDS',
    path: ['POLL_MIN_SECONDS'],
  });
export type CheckExportEnv = z.infer<typeof CheckExportEnv>;
