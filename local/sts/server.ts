import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import * as stsModel from '@aws-sdk/client-sts';
import { type LocalServer, listen, send } from '../protocol/http.ts';
import { decodeRequest, queryError, queryResponse } from '../protocol/query.ts';
import type { RequestLogger } from '../protocol/request-log.ts';

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** The access key a SigV4 request was signed with: `Authorization: AWS4-HMAC-SHA256 Credential=<AKID>/<date>/…`. */
export function accessKeyOf(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
}

/** The Region a SigV4 request was signed for: `Credential=<AKID>/<date>/<region>/<service>/aws4_request`. */
export function signingRegionOf(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  return /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
}

/**
 * Whose credentials sign a request, as AWS tells: the hub's own keys (the stack's local
 * credentials) and the temporary credentials AssumeRole handed out, each in its member account.
 * A key it never issued counts as the hub's: the AWS CLI and the unit tests sign with any key, and
 * the local endpoints do not check signatures (the local S3 only their time).
 */
export class AccountCredentials {
  readonly #accounts = new Map<string, string>();

  constructor(readonly hub: string) {}

  /** The account whose key signed `req`. */
  accountOf(req: Pick<IncomingMessage, 'headers'>): string {
    return this.#accounts.get(accessKeyOf(req) ?? '') ?? this.hub;
  }

  /** New temporary credentials in `account` (ASIA: a temporary key's prefix, as STS issues them). */
  issue(account: string): { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } {
    const AccessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    this.#accounts.set(AccessKeyId, account);
    return {
      AccessKeyId,
      SecretAccessKey: randomBytes(30).toString('base64'),
      SessionToken: randomBytes(96).toString('base64'),
    };
  }
}

export interface StsOptions {
  credentials: AccountCredentials;
  /** The roles that exist (each member stack's access and operator roles): ARN → its account. */
  roles: ReadonlyMap<string, string>;
}

export interface LocalSts extends LocalServer {
  /** Each AssumeRole that handed out credentials: the role, the session name, when (simulated ms). */
  readonly assumed: { RoleArn: string; RoleSessionName: string; at: number; expiration: Date }[];
}

class StsFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// STS's refusal: HTTP 403, code AccessDenied, "User: <caller> is not authorized to perform:
// sts:AssumeRole on resource: <role>" (AWS Knowledge Center, "iam-assume-role-error": "An error
// occurred (AccessDenied) when calling the AssumeRole operation"; the 403 and the Query error body
// as STS sends them: Netflix/security_monkey#77). AccessDenied is no modeled error of
// @aws-sdk/client-sts's AssumeRole.
const accessDenied = (caller: string, role: string) =>
  new StsFault(
    403,
    'AccessDenied',
    `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${role}`,
  );

/**
 * The local STS (Query protocol, 2011-06-15): AssumeRole only. A member's access role trusts the
 * hub's four function roles, and its operator role the hub's operators' roles (serverless.member.yml);
 * locally every hub handler and the rds-export CLI sign with the hub's credentials, so those stand
 * for them: only they may assume these roles, and anything else, or a role that does not exist
 * among them, is refused as STS refuses it.
 */
export async function startLocalSts(options: StsOptions, log: RequestLogger): Promise<LocalSts> {
  const assumed: LocalSts['assumed'] = [];
  const { credentials, roles } = options;
  const server = await listen(async (req, body, res) => {
    const requestId = randomUUID();
    const { action, version, params, invalid } = decodeRequest(body.toString('utf8'), stsModel);
    log({ service: 'sts', action, params });
    try {
      if (action !== 'AssumeRole' || version !== '2011-06-15') {
        throw new StsFault(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`);
      }
      if (invalid) throw new StsFault(400, 'ValidationError', invalid.message);
      const role = String(params.RoleArn ?? '');
      const session = String(params.RoleSessionName ?? '');
      const caller = credentials.accountOf(req);
      const account = roles.get(role);
      if (account === undefined || caller !== credentials.hub) {
        throw accessDenied(`arn:aws:iam::${caller}:user/local`, role);
      }
      // DurationSeconds defaults to 3600 (AssumeRoleRequest); Date runs on the simulated clock.
      const seconds = typeof params.DurationSeconds === 'number' ? params.DurationSeconds : 3600;
      const issued = credentials.issue(account);
      const expiration = new Date(Date.now() + seconds * 1000);
      assumed.push({ RoleArn: role, RoleSessionName: session, at: Date.now(), expiration });
      const roleName = role.split('/').pop() ?? role;
      const roleId = `AROA${randomBytes(8).toString('hex').toUpperCase()}`;
      const result = {
        Credentials: { ...issued, Expiration: expiration },
        AssumedRoleUser: {
          AssumedRoleId: `${roleId}:${session}`,
          Arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`,
        },
      };
      send(res, 200, 'text/xml', queryResponse(NAMESPACE, action, result, requestId));
    } catch (error) {
      if (!(error instanceof StsFault)) throw error;
      const xml = queryError('Sender', error.code, error.message, requestId).replace(
        '<ErrorResponse>',
        `<ErrorResponse xmlns="${NAMESPACE}">`,
      );
      send(res, error.status, 'text/xml', xml);
    }
  });
  return { ...server, assumed };
}
