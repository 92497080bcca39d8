import { randomUUID } from 'node:crypto';
import { type LocalServer, listen, send } from './http.ts';
import { decodeQuery, queryError, queryResponse } from './query-protocol.ts';
import type { RequestLogger } from './request-log.ts';

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

interface AttributeEntry {
  Name?: string;
  Value?: { DataType?: string; StringValue?: string };
}

/** Starts the local SNS endpoint (Query protocol): `Publish` to the known topics, recording each message. */
export async function startLocalSns(topics: ReadonlySet<string>, log: RequestLogger): Promise<LocalSns> {
  const messages: PublishedMessage[] = [];
  const server = await listen(async (_req, body, res) => {
    const requestId = randomUUID();
    const { Action, Version: _version, ...params } = decodeQuery(body.toString('utf8'));
    const action = String(Action);
    // The wire sends the MessageAttributes map as Name/Value entries; the API names it a map.
    const entries = (params.MessageAttributes ?? []) as AttributeEntry[];
    const attributeMap = Object.fromEntries(entries.map((e) => [e.Name ?? '', e.Value ?? {}]));
    log({
      service: 'sns',
      action,
      params: { ...params, ...(entries.length > 0 ? { MessageAttributes: attributeMap } : {}) },
    });
    const fail = (code: string, message: string, status = 400) =>
      send(res, status, 'text/xml', queryError('Sender', code, message, requestId));
    if (action !== 'Publish')
      return fail('InvalidAction', `The action ${action} is not valid for this endpoint.`);
    const topicArn = String(params.TopicArn ?? '');
    if (!topics.has(topicArn)) return fail('NotFound', 'Topic does not exist', 404);
    if (typeof params.Message !== 'string' || params.Message === '') {
      return fail('InvalidParameter', 'Invalid parameter: Empty message');
    }
    const attributes: PublishedMessage['MessageAttributes'] = {};
    for (const entry of entries) {
      if (entry.Name)
        attributes[entry.Name] = {
          DataType: entry.Value?.DataType ?? 'String',
          StringValue: entry.Value?.StringValue,
        };
    }
    const messageId = randomUUID();
    messages.push({
      TopicArn: topicArn,
      Message: params.Message,
      ...(typeof params.Subject === 'string' ? { Subject: params.Subject } : {}),
      MessageAttributes: attributes,
      MessageId: messageId,
    });
    send(res, 200, 'text/xml', queryResponse(NAMESPACE, action, { MessageId: messageId }, requestId));
  });
  return { ...server, messages };
}
