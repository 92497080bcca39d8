import { z } from 'zod';

/**
 * Where a registration cut short by its time limit goes on: the tables are registered in the order of
 * their targets, and `after` is the last one this and the earlier invocations finished. The state
 * machine passes the result back (`$.registration.cursor`) and the next invocation registers the
 * targets after it, so nothing is written twice (a table it does register again would be found
 * written anyway: registration is idempotent). `invocation` counts the invocations so far, which
 * the state machine bounds (statemachines/export.asl.yml, "Registration finished?").
 */
export const RegisterCursor = z.object({
  after: z.string(),
  invocation: z.number().int().positive(),
});
export type RegisterCursor = z.infer<typeof RegisterCursor>;

/**
 * What an invocation keeps for the tables still to start once this little time is left: the tables
 * in flight finish (each a few footer reads and at most five Glue writes, every call within its
 * client's 5 attempts of up to 15 s of backoff: shared/aws/client-config.ts), then the report is
 * merged and written. register-export's timeout is 880 s (serverless.yml), so about 700 s register.
 */
export const TIME_RESERVE_MS = 180_000;

/** The targets still to register: those after the cursor in target order (`localeCompare`, as registration sorts them). */
export function remainingAfter<T extends { target: string }>(
  sorted: readonly T[],
  cursor: RegisterCursor | undefined,
): T[] {
  if (cursor === undefined) return [...sorted];
  return sorted.filter((c) => c.target.localeCompare(cursor.after) > 0);
}

/** True once fewer than the reserve's milliseconds are left (never, without a clock). */
export function timeIsUp(deps: { remainingMs?: () => number; reserveMs?: number }): () => boolean {
  const { remainingMs } = deps;
  const reserve = deps.reserveMs ?? TIME_RESERVE_MS;
  return () => remainingMs !== undefined && remainingMs() < reserve;
}

/**
 * The cursor after an invocation that ran `todo` (the targets after `cursor`) in order: past the
 * targets finished before the first that did not; undefined when every one finished.
 */
export function cursorAfter<T extends { target: string }>(
  todo: readonly T[],
  finished: (index: number) => boolean,
  cursor: RegisterCursor | undefined,
): RegisterCursor | undefined {
  const prefix = todo.findIndex((_, i) => !finished(i));
  if (prefix < 0) return undefined;
  return {
    after: prefix === 0 ? (cursor?.after ?? '') : (todo[prefix - 1]?.target ?? ''),
    invocation: (cursor?.invocation ?? 0) + 1,
  };
}
