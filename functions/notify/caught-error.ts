import type { CaughtError } from '#shared/contract/execution.ts';
import { truncateText } from '#shared/contract/payload.ts';

export interface ErrorReport {
  /** The error name: one of shared/contract/errors.ts, or a Step Functions one (States.Timeout, Lambda.*). */
  name: string;
  /** The error's message, when the Cause carried one. */
  message?: string;
}

/** Lambda error documents are small; a huge Cause is cut rather than copied into every channel. */
const MAX_MESSAGE_CHARS = 2000;

/**
 * Reads what a Catch stored at `$.error`. `Cause` is usually the Lambda error document
 * (`{"errorType","errorMessage","trace"}`) as a string, but Step Functions' own errors carry plain
 * text or nothing, so every shape is accepted and none crashes the notification.
 */
export function describeCaughtError(error: CaughtError | undefined): ErrorReport {
  if (error === undefined) return { name: 'UnknownError' };
  const name = error.Error.trim() || 'UnknownError';
  const cause = error.Cause?.trim();
  if (cause === undefined || cause === '') return { name };
  return { name, message: truncateText(messageOf(cause), MAX_MESSAGE_CHARS) };
}

function messageOf(cause: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause);
  } catch {
    return cause;
  }
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
    const doc = parsed as Record<string, unknown>;
    for (const key of ['errorMessage', 'message', 'Message', 'cause']) {
      const value = doc[key];
      if (typeof value === 'string' && value.trim() !== '') return value.trim();
    }
    if (typeof doc.errorType === 'string') return doc.errorType;
  }
  return cause;
}
