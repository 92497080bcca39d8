import type { Command } from '../command.ts';

/**
 * `rds-export accounts`. The Organizations client (./accounts.ts) loads when it runs, not at the
 * start of every other command.
 */
export const accountsCommand: Command = {
  summary:
    "the Organization's accounts and their names, as the policy's accounts: map (run where ListAccounts is allowed)",
  usage: `rds-export accounts [--profile P] [--region R] [--json]

  Lists the accounts of the Organization (organizations:ListAccounts, allowed in the management
  account or a delegated administrator) and prints them as export-policy.yml's accounts: map, each
  name made one the policy takes (docs/policy.md, "Account names").
  --region, --profile  the AWS Region and the shared-config profile (default: the SDK's own chain)
  --json               print one JSON document: {"accounts":[{"id","name","organizationsName","state"}]}`,
  options: {
    region: { type: 'string' },
    profile: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const { runAccountsCommand } = await import('./accounts.ts');
    return runAccountsCommand(values);
  },
};
