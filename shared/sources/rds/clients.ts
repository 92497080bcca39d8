import { RDSClient } from '@aws-sdk/client-rds';
import { type Home, type Scope, scopeKey, scopeOf } from '../../aws/accounts.ts';
import { classified } from '../../aws/classified.ts';
import { SDK_CLIENT_CONFIG } from '../../aws/client-config.ts';
import { clientsByScope } from '../../aws/member-clients.ts';

/**
 * What a function needs of a source's account and Region (shared/aws/accounts.ts): RDS there (the
 * deployment's own client, or a member's through its role, built once per container), and whose
 * export slots it takes.
 */
export interface SourceAccounts {
  /** RDS of the deployment's own account and Region: the client `rds` gives its sources. */
  own: Pick<RDSClient, 'send'>;
  rds(arn: string): Pick<RDSClient, 'send'>;
  /** shared/slots/items.ts `scope`: undefined for the deployment's own account and Region. */
  slots(arn: string): string | undefined;
}

/**
 * RDS of each account and Region, built once per container (shared/aws/member-clients.ts): no scope
 * or the deployment's own gives its own client, another Region's a client there, a member's one
 * with its access role's credentials.
 */
export function rdsByScope(home: Home): (scope?: Scope) => Pick<RDSClient, 'send'> {
  return clientsByScope(home, (config) =>
    classified(new RDSClient({ ...SDK_CLIENT_CONFIG, ...config }), 'rds'),
  );
}

export function sourceAccounts(home: Home): SourceAccounts {
  const rdsIn = rdsByScope(home);
  return {
    own: rdsIn(),
    rds: (arn) => rdsIn(scopeOf(arn)),
    slots: (arn) => scopeKey(scopeOf(arn), home),
  };
}
