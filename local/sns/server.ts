import { randomUUID } from 'node:crypto';
import * as snsModel from '@aws-sdk/client-sns';
import { type LocalServer, listen, send } from '../protocol/http.ts';
import { decodeRequest, queryError, queryResponse } from '../protocol/query.ts';
import type { RequestLogger } from '../protocol/request-log.ts';

const NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

export interface PublishedMessage {
  TopicArn: string;
  Message: string;
  Subject?: string;
  MessageAttributes: Record<string, { DataType: string; StringValue?: string }>;
  MessageId: string;
}

export interface LocalSns extends LocalServer {
  readonly messages: PublishedMessage[];
}

type AttributeMap = Record<string, { DataType?: string; StringValue?: string }>;

// ListTopics returns "a limited list of topics, up to 100" per call, with a NextToken for the rest
// (SNS API Reference, ListTopics).
const TOPICS_PER_PAGE = 100;

/**
 * Starts the local SNS endpoint (Query protocol): `Publish` to the known topics, recording each
 * message, and `ListTopics`.
 */
export async function startLocalSns(topics: ReadonlySet<string>, log: RequestLogger): Promise<LocalSns> {
  const messages: PublishedMessage[] = [];
  const server = await listen(async (_req, body, res) => {
    const requestId = randomUUID();
    const { action, params, invalid } = decodeRequest(body.toString('utf8'), snsModel);
    log({ service: 'sns', action, params });
    const fail = (code: string, message: string, status = 400) =>
      send(res, status, 'text/xml', queryError('Sender', code, message, requestId));
    const answer = (result: unknown) =>
      send(res, 200, 'text/xml', queryResponse(NAMESPACE, action, result, requestId));
    if (action !== 'Publish' && action !== 'ListTopics')
      return fail('InvalidAction', `The action ${action} is not valid for this endpoint.`);
    if (invalid) return fail('InvalidParameter', `Invalid parameter: ${invalid.message}`);
    if (action === 'ListTopics') {
      const all = [...topics].sort();
      const token = params.NextToken;
      // The tokens this endpoint hands out are offsets into the sorted list, past its first page.
      const offset = token === undefined ? 0 : Number(token);
      if (token !== undefined && !(Number.isInteger(offset) && offset > 0 && offset < all.length))
        return fail('InvalidParameter', 'Invalid parameter: NextToken');
      const next = offset + TOPICS_PER_PAGE;
      return answer({
        Topics: all.slice(offset, next).map((TopicArn) => ({ TopicArn })),
        ...(next < all.length ? { NextToken: String(next) } : {}),
      });
    }
    const topicArn = String(params.TopicArn ?? '');
    if (!topics.has(topicArn)) return fail('NotFound', 'Topic does not exist', 404);
    if (typeof params.Message !== 'string' || params.Message === '') {
      return fail('InvalidParameter', 'Invalid parameter: Empty message');
    }
    const attributes: PublishedMessage['MessageAttributes'] = {};
    for (const [name, value] of Object.entries((params.MessageAttributes ?? {}) as AttributeMap)) {
      attributes[name] = { DataType: value.DataType ?? 'String', StringValue: value.StringValue };
    }
    const messageId = randomUUID();
    messages.push({
      TopicArn: topicArn,
      Message: params.Message,
      ...(typeof params.Subject === 'string' ? { Subject: params.Subject } : {}),
      MessageAttributes: attributes,
      MessageId: messageId,
    });
    answer({ MessageId: messageId });
  });
  return { ...server, messages };
}
