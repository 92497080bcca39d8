import { describe, expect, it } from 'vitest';
import {
  accountDatabasePrefix,
  assignTableNames,
  columnNames,
  databaseName,
  GLUE_NAME_MAX,
  sanitize,
} from '#functions/register-export/naming.ts';

const none = new Map<string, string>();
const noNames = new Set<string>();

describe('naming', () => {
  it('lowercases and replaces every character outside [a-z0-9_] without trimming', () => {
    expect(sanitize('Shop.Public."Weird Name"')).toBe('shop_public__weird_name_');
    expect(sanitize('_id')).toBe('_id');
  });

  it('names one database per source from the prefix, the source kind and the sanitized identifier', () => {
    expect(databaseName('rds_export_', 'db-snapshot', 'Prod-DB.1')).toBe('rds_export_db_prod_db_1');
    expect(databaseName('rds_export_', 'db-snapshot', 'x'.repeat(300))).toHaveLength(GLUE_NAME_MAX);
  });

  it('gives a DB instance and an Aurora cluster with the same identifier databases of their own', () => {
    const instance = databaseName('rds_export_', 'db-snapshot', 'orders');
    const cluster = databaseName('rds_export_', 'cluster-snapshot', 'orders');
    expect(instance).not.toBe(cluster);
    // A cluster's snapshots and its live exports are one source.
    expect(databaseName('rds_export_', 'cluster', 'orders')).toBe(cluster);
  });

  it('cannot make two sources collide whatever they are called, since identifiers hold no underscore', () => {
    // RDS identifiers: letters, digits and hyphens; "db-cluster-x" as an instance vs "x" as a cluster.
    expect(databaseName('p_', 'db-snapshot', 'cluster-x')).toBe('p_db_cluster_x');
    expect(databaseName('p_', 'cluster-snapshot', 'x')).toBe('p_cluster_x');
  });

  it('names a source of another Region with its Region, so one identifier in two Regions gets two databases', () => {
    // An identifier is unique per account and Region only (Amazon RDS user guide, "Amazon RDS DB
    // instances": it "must be unique for that customer in an AWS Region").
    const db = (account: string | undefined, region?: string) =>
      databaseName(accountDatabasePrefix('rds_export_', account, region), 'db-snapshot', 'orders');
    expect(db(undefined, 'us-west-2')).toBe('rds_export_us_west_2_db_orders');
    expect(db('222222222222', 'us-west-2')).toBe('rds_export_222222222222_us_west_2_db_orders');
    expect(
      new Set([
        db(undefined),
        db(undefined, 'us-west-2'),
        db('222222222222'),
        db('222222222222', 'us-west-2'),
      ]).size,
    ).toBe(4);
  });

  it('names a member account’s sources with the account, the deployment’s own as they always were', () => {
    const own = databaseName(accountDatabasePrefix('rds_export_', undefined), 'db-snapshot', 'orders');
    const member = databaseName(
      accountDatabasePrefix('rds_export_', '222222222222'),
      'db-snapshot',
      'orders',
    );
    expect(own).toBe('rds_export_db_orders');
    expect(member).toBe('rds_export_222222222222_db_orders');
    // Still under the prefix the catalog IAM and prune are scoped to.
    expect(member.startsWith('rds_export_')).toBe(true);
  });

  it('gives a target its plain sanitized name when nothing else claims it', () => {
    expect(assignTableNames(['shop.public.Orders'], none, noNames)).toEqual(
      new Map([['shop.public.Orders', 'shop_public_orders']]),
    );
  });

  it('keeps a.b_c and a_b.c apart with hash suffixes that depend only on the target', () => {
    const both = assignTableNames(['a.b_c', 'a_b.c'], none, noNames);
    const reversed = assignTableNames(['a_b.c', 'a.b_c'], none, noNames);
    expect(both).toEqual(reversed);
    expect(both.get('a.b_c')).toMatch(/^a_b_c_[0-9a-f]{8}$/);
    expect(both.get('a_b.c')).toMatch(/^a_b_c_[0-9a-f]{8}$/);
    expect(both.get('a.b_c')).not.toBe(both.get('a_b.c'));
  });

  it('keeps the name a target already has in the catalog, so names are stable between exports', () => {
    const first = assignTableNames(['a.b_c'], none, noNames);
    expect(first.get('a.b_c')).toBe('a_b_c');
    const second = assignTableNames(['a.b_c', 'a_b.c'], first, new Set(['a_b_c', 'a_b_c_history']));
    expect(second.get('a.b_c')).toBe('a_b_c');
    expect(second.get('a_b.c')).toMatch(/^a_b_c_[0-9a-f]{8}$/);
  });

  it('never lets a table take the name of another table’s history twin or a foreign table', () => {
    const names = assignTableNames(
      ['db.x_history'],
      new Map([['db.x', 'db_x']]),
      new Set(['db_x', 'db_x_history']),
    );
    expect(names.get('db.x_history')).toMatch(/^db_x_history_[0-9a-f]{8}$/);
    expect(assignTableNames(['db.t'], none, new Set(['db_t'])).get('db.t')).toMatch(/^db_t_[0-9a-f]{8}$/);
  });

  it('truncates long names with a hash, leaving room for the _history twin within 255 characters', () => {
    const long = `db.s.${'t'.repeat(400)}`;
    const other = `db.s.${'t'.repeat(399)}u`;
    const names = assignTableNames([long, other], none, noNames);
    expect((names.get(long) ?? '').length + '_history'.length).toBeLessThanOrEqual(GLUE_NAME_MAX);
    expect(names.get(long)).not.toBe(names.get(other));
  });

  it('resolves column names that collide after sanitizing in order of appearance', () => {
    expect(columnNames(['Id', 'ID', 'order-total', 'order_total'])).toEqual([
      'id',
      'id_2',
      'order_total',
      'order_total_2',
    ]);
  });
});
