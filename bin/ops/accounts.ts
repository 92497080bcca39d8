import { type Account, OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import { stringify } from 'yaml';
import { accountLabel } from '#shared/aws/accounts.ts';
import { classified } from '#shared/aws/classified.ts';
import { AccountName } from '#shared/policy/names.ts';
import { optionOrEnv, type Values } from '../command.ts';

/**
 * `rds-export accounts`: the Organization's accounts with their names from Organizations, printed as
 * the policy's `accounts:` map (docs/policy.md, "Account names"). The pipeline never calls
 * Organizations itself: ListAccounts "can only [be called] from the management account or a member
 * account that is a delegated administrator" (AWS Organizations API reference, ListAccounts), which a
 * hub usually is not. An operator runs this where it is allowed and pastes the map into the policy.
 */

/** One account as the policy names it, and how Organizations names it when that differs. */
export interface NamedAccount {
  id: string;
  name: string;
  /** Organizations' name, when the policy's rule for names (AccountName) needed another. */
  organizationsName?: string;
  /** Organizations' state, when not ACTIVE (a suspended or closing account exports nothing new). */
  state?: string;
}

/**
 * A name the policy takes for an Organizations account name: letters, digits, spaces, `.`, `_`
 * and `-` kept, anything else `-`, a letter first, at most 50 characters, not a Region's name;
 * unique as a database label (`accountLabel`), else the account ID's last four digits are added.
 */
export function policyNames(
  accounts: readonly Pick<Account, 'Id' | 'Name' | 'State' | 'Status'>[],
): NamedAccount[] {
  const labels = new Set<string>();
  const named: NamedAccount[] = [];
  for (const account of accounts) {
    const id = account.Id ?? '';
    const original = (account.Name ?? '').trim();
    let name = original.replace(/[^A-Za-z0-9 ._-]+/g, '-').replace(/^[^A-Za-z]+/, '');
    name = (name === '' ? `account-${id}` : name).slice(0, 50).trim();
    if (!AccountName.safeParse(name).success) name = `account-${id}`;
    if (labels.has(accountLabel(name))) name = `${name.slice(0, 45)}-${id.slice(-4)}`;
    labels.add(accountLabel(name));
    // ListAccounts gives State (newer) and Status (deprecated): either, ACTIVE or not.
    const state = account.State ?? account.Status;
    named.push({
      id,
      name,
      ...(name === original ? {} : { organizationsName: original }),
      ...(state === undefined || state === 'ACTIVE' ? {} : { state }),
    });
  }
  return named;
}

/** The `accounts:` block, with Organizations' own name as a comment where the policy's differs. */
export function accountsYaml(accounts: readonly NamedAccount[]): string {
  const lines = accounts.map((a) => {
    const notes = [
      a.organizationsName === undefined ? undefined : `Organizations: ${JSON.stringify(a.organizationsName)}`,
      a.state === undefined ? undefined : a.state,
    ].filter((n) => n !== undefined);
    const entry = stringify({ [a.id]: a.name }).trimEnd();
    return `  ${entry}${notes.length === 0 ? '' : `  # ${notes.join('; ')}`}`;
  });
  return [
    "# The Organization's accounts (organizations:ListAccounts), for export-policy.yml:",
    'accounts:',
    ...lines,
  ].join('\n');
}

export async function listOrganizationAccounts(client: OrganizationsClient): Promise<NamedAccount[]> {
  const all: Account[] = [];
  for await (const page of paginateListAccounts({ client }, {})) all.push(...(page.Accounts ?? []));
  return policyNames(all.sort((a, b) => (a.Id ?? '').localeCompare(b.Id ?? '')));
}

/** `rds-export accounts` (./accounts-command.ts): the map, or JSON. */
export async function runAccountsCommand(values: Values): Promise<string> {
  const region = optionOrEnv(values, 'region');
  const profile = optionOrEnv(values, 'profile');
  const client = classified(
    new OrganizationsClient({
      ...(region === undefined ? {} : { region }),
      ...(profile === undefined ? {} : { profile }),
    }),
    'organizations',
  );
  const accounts = await listOrganizationAccounts(client);
  return values.json === true ? JSON.stringify({ accounts }) : accountsYaml(accounts);
}
