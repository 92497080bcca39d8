import { randomUUID } from 'node:crypto';
import * as cloudformationModel from '@aws-sdk/client-cloudformation';
import { type LocalServer, listen, send } from '../protocol/http.ts';
import { decodeRequest, queryError, queryResponse } from '../protocol/query.ts';
import type { RequestLogger } from '../protocol/request-log.ts';

const NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** A deployed stack as the rds-export CLI reads it: its name and its outputs. */
export interface LocalStackRecord {
  name: string;
  outputs: Record<string, string>;
}

/**
 * The local CloudFormation endpoint (Query protocol): DescribeStacks of the stacks given, so the
 * rds-export CLI finds the local deployment by `--stage` as it finds a deployed one.
 */
export async function startLocalCloudFormation(
  stacks: readonly LocalStackRecord[],
  region: string,
  account: string,
  log: RequestLogger,
): Promise<LocalServer> {
  const created = new Date();
  return listen(async (_req, body, res) => {
    const requestId = randomUUID();
    const { action, params, invalid } = decodeRequest(body.toString('utf8'), cloudformationModel);
    log({ service: 'cloudformation', action, params });
    const fail = (code: string, message: string) =>
      send(res, 400, 'text/xml', queryError('Sender', code, message, requestId));
    if (action !== 'DescribeStacks')
      return fail('InvalidAction', `The action ${action} is not valid for this endpoint.`);
    if (invalid) return fail('ValidationError', invalid.message);
    const name = typeof params.StackName === 'string' ? params.StackName : undefined;
    const found = stacks.filter((s) => name === undefined || s.name === name);
    // DescribeStacks names an unknown stack this way (ValidationError, not a not-found code).
    if (found.length === 0) return fail('ValidationError', `Stack with id ${name} does not exist`);
    const result = {
      Stacks: found.map((s) => ({
        StackId: `arn:aws:cloudformation:${region}:${account}:stack/${s.name}/${randomUUID()}`,
        StackName: s.name,
        CreationTime: created,
        StackStatus: 'CREATE_COMPLETE',
        Outputs: Object.entries(s.outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      })),
    };
    send(res, 200, 'text/xml', queryResponse(NAMESPACE, action, result, requestId));
  });
}
