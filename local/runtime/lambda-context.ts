import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The Lambda context a real invocation passes, for handlers run in-process by the local stack. */
export function lambdaContext(functionName: string, region: string, account: string): Context {
  const deadline = Date.now() + 900_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${randomUUID()}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The error the lambda:invoke integration reports: `Error` = errorType, `Cause` = the JSON error document. */
export class LambdaFunctionError extends Error {
  constructor(error: unknown) {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    const trace = error instanceof Error ? (error.stack ?? '').split('\n') : [];
    super(JSON.stringify({ errorMessage: message, errorType: name, trace }));
    this.name = name;
  }
}

/** Invokes a handler the way Lambda does: JSON in, JSON out, errors as LambdaFunctionError. */
export async function invokeLocal(
  handler: LambdaHandler,
  name: string,
  payload: unknown,
  region: string,
  account: string,
) {
  try {
    const result = await handler(
      JSON.parse(JSON.stringify(payload ?? null)),
      lambdaContext(name, region, account),
    );
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  } catch (error) {
    throw new LambdaFunctionError(error);
  }
}
