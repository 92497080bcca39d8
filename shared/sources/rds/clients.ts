import { RDSClient } from '@aws-sdk/client-rds';
import { type Home, scopeKey, scopeOf } from '../../aws/accounts.ts';
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

export function sourceAccounts(home: Home): SourceAccounts {
  const rdsIn = clientsByScope(home, (config) =>
    classified(new RDSClient({ ...SDK_CLIENT_CONFIG, ...config }), 'rds'),
  );
  return {
    own: rdsIn(),
    rds: (arn) => rdsIn(scopeOf(arn)),
    slots: (arn) => scopeKey(scopeOf(arn), home),
  };
}
