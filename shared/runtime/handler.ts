import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { truncateText } from '../contract/payload.ts';
import { logger } from './logger.ts';
import { parseWith } from './validation.ts';

/**
 * Step Functions stores a failed task's error document (`{errorType, errorMessage, trace}`) at
 * `$.error.Cause`, inside a state capped at 256 KiB; an AWS message quoting a long ExportOnly list
 * or a huge FailureCause must not push the state past it (States.DataLimitExceeded is not caught).
 */
export const ERROR_MESSAGE_MAX_CHARS = 2000;
const TRACE_MAX_CHARS = 2000;

/** Middleware: every error leaves the function with a bounded message and stack. */
const boundedErrors = (): middy.MiddlewareObj => ({
  onError: async (request) => {
    const error = request.error;
    if (error instanceof Error) {
      error.message = truncateText(error.message, ERROR_MESSAGE_MAX_CHARS);
      if (error.stack !== undefined) error.stack = truncateText(error.stack, TRACE_MAX_CHARS);
    }
  },
});

/**
 * Middlewares that every handler of a function runs, registered by the modules that need them:
 * shared/runtime/metrics.ts registers Powertools' `logMetrics`. Only the functions that import such
 * a module bundle it, and they register it at load, before their handler is built.
 */
const everyInvocation: middy.MiddlewareObj[] = [];
export function useInEveryHandler(middleware: middy.MiddlewareObj): void {
  everyInvocation.push(middleware);
}

/** The middleware's `after` and `onError` steps, whose failure is logged and must not replace the result. */
const endingSafely = (middleware: middy.MiddlewareObj): middy.MiddlewareObj => {
  const safely =
    (step: middy.MiddlewareFn): middy.MiddlewareFn =>
    async (request) => {
      try {
        await step(request);
      } catch (error) {
        logger.warn('an end-of-invocation step failed', { error });
      }
    };
  return {
    ...middleware,
    ...(middleware.after ? { after: safely(middleware.after) } : {}),
    ...(middleware.onError ? { onError: safely(middleware.onError) } : {}),
  };
};

export interface HandlerOptions<S extends z.ZodType> {
  /** Names the input in validation errors, e.g. `start-export input`. */
  what: string;
  /** Validates the event; the types of the logic come from it. */
  input: S;
  /** Correlation keys for every log line of the invocation. */
  keys?: (input: z.infer<S>) => Record<string, unknown>;
}

/**
 * The one handler shape: middy with Powertools' `injectLambdaContext`, the event parsed with its
 * schema (InvalidInputError naming the field otherwise), correlation keys, the registered middlewares
 * (Powertools' `logMetrics` where shared/runtime/metrics.ts is imported), bounded errors.
 */
export function lambdaHandler<S extends z.ZodType, R>(
  options: HandlerOptions<S>,
  logic: (input: z.infer<S>, context: Context) => Promise<R>,
) {
  return middy<unknown, R>(async (event: unknown, context: Context) => {
    const input = parseWith(options.input, event, options.what);
    if (options.keys) logger.appendKeys(options.keys(input));
    return logic(input, context);
  })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(everyInvocation.map(endingSafely))
    .use(boundedErrors());
}
