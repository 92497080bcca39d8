import { z } from 'zod';
import { AccountsEnv } from '#shared/aws/accounts.ts';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** start-export's environment: the queue backoff (base doubles per attempt, up to the cap). */
export const StartExportEnv = z
  .object({
    QUEUE_BASE_WAIT_SECONDS: seconds(60),
    QUEUE_MAX_WAIT_SECONDS: seconds(900),
    /** The DynamoDB table holding the slot queue (shared/slots/grants.ts). */
    EXPORTS_TABLE: z.string().min(3, 'must name the DynamoDB table of the deployment'),
    ...AccountsEnv.shape,
  })
  .refine((env) => env.QUEUE_BASE_WAIT_SECONDS <= env.QUEUE_MAX_WAIT_SECONDS, {
    message: 'QUEUE_BASE_WAIT_SECONDS must not exceed QUEUE_MAX_WAIT_SECONDS',
    path: ['QUEUE_BASE_WAIT_SECONDS'],
  });
export type StartExportEnv = z.infer<typeof StartExportEnv>;
