import { z } from 'zod';
import { AccountsEnv } from '#shared/aws/accounts.ts';

/** The waits function's environment: the table holding the waiters and the slot queue. */
export const WaitsEnv = z.object({
  EXPORTS_TABLE: z.string().min(3, 'must name the DynamoDB table of the deployment'),
  ...AccountsEnv.shape,
});
