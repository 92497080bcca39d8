import {
  AccessDeniedException,
  ListAccountsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { accountsYaml, policyNames, runAccountsCommand } from '#bin/ops/accounts.ts';
import { ConfigurationError } from '#shared/contract/errors.ts';
import { parsePolicy } from '#shared/policy/load.ts';

const organizations = mockClient(OrganizationsClient);
beforeEach(() => organizations.reset());

// Names as Organizations may hold them: punctuation, a leading digit, a Region's name, two that
// differ only in what the policy cannot keep, and a suspended account.
const ACCOUNTS = [
  { Id: '111122223333', Name: 'finance-prod', State: 'ACTIVE' as const },
  { Id: '222233334444', Name: 'Payments (EU)', State: 'ACTIVE' as const },
  { Id: '333344445555', Name: 'Payments [EU]', State: 'ACTIVE' as const },
  { Id: '444455556666', Name: '2024 sandbox', State: 'SUSPENDED' as const },
  { Id: '555566667777', Name: 'us-west-2', State: 'ACTIVE' as const },
];

describe('rds-export accounts', () => {
  it('names every account as the policy takes names, unique as databases, noting Organizations’ own', () => {
    const named = policyNames(ACCOUNTS);
    expect(named).toEqual([
      { id: '111122223333', name: 'finance-prod' },
      { id: '222233334444', name: 'Payments -EU-', organizationsName: 'Payments (EU)' },
      { id: '333344445555', name: 'Payments -EU--5555', organizationsName: 'Payments [EU]' },
      { id: '444455556666', name: 'sandbox', organizationsName: '2024 sandbox', state: 'SUSPENDED' },
      { id: '555566667777', name: 'account-555566667777', organizationsName: 'us-west-2' },
    ]);
    // What it prints is a map the policy loads (shared/policy/schema.ts accounts).
    const policy = parsePolicy(
      `version: 1\nrules: [{ name: all, action: export }]\n${accountsYaml(named)}\n`,
      'p.yml',
    );
    expect(Object.keys(policy.accounts)).toHaveLength(ACCOUNTS.length);
  });

  it('reads every page of ListAccounts', async () => {
    // "Continue making requests until NextToken returns null" (Organizations API reference, ListAccounts).
    organizations
      .on(ListAccountsCommand, {})
      .resolves({ Accounts: ACCOUNTS.slice(0, 2), NextToken: 'next' })
      .on(ListAccountsCommand, { NextToken: 'next' })
      .resolves({ Accounts: ACCOUNTS.slice(2) });
    const out = await runAccountsCommand({ json: true });
    expect(JSON.parse(out).accounts.map((a: { id: string }) => a.id)).toEqual(ACCOUNTS.map((a) => a.Id));
    expect(await runAccountsCommand({})).toContain('  "111122223333": finance-prod\n');
  });

  it('says what is wrong where ListAccounts is not allowed', async () => {
    organizations.on(ListAccountsCommand).rejects(
      new AccessDeniedException({
        message: 'You don’t have permissions to access this resource.',
        $metadata: {},
      }),
    );
    await expect(runAccountsCommand({})).rejects.toBeInstanceOf(ConfigurationError);
  });
});
