-- The local stack's sample database. Its tables cover every PostgreSQL type of the export's
-- PostgreSQL → Parquet mapping table (Aurora User Guide, "Exporting DB cluster snapshot data to
-- Amazon S3", Data conversion), with NULLs, Unicode, extreme values, and names that exercise the
-- export's skip rules and the catalog's sanitizing rules. Re-runnable: it owns the schemas it drops.
DROP SCHEMA IF EXISTS shop, types, edge, "Mixed$Case" CASCADE;
CREATE SCHEMA shop;
CREATE SCHEMA types;
CREATE SCHEMA edge;
CREATE SCHEMA "Mixed$Case";

-- ---- a small business schema: what the sample query reads -------------------------------------
CREATE TABLE shop.customers (
  customer_id integer PRIMARY KEY,
  name text NOT NULL,
  country char(2),
  signed_up date NOT NULL
);
INSERT INTO shop.customers VALUES
  (1, 'Ada Lovelace', 'GB', '2023-01-15'),
  (2, 'Zoë Ångström', 'SE', '2023-03-02'),
  (3, '山田 太郎', 'JP', '2023-07-21'),
  (4, 'José Nuñez 🎉', 'MX', '2024-02-29'),
  (5, 'No Country', NULL, '2024-05-01');

CREATE TABLE shop.orders (
  order_id bigint PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES shop.customers,
  amount numeric(12, 2) NOT NULL,
  status text NOT NULL,
  ordered_at timestamptz NOT NULL
);
INSERT INTO shop.orders
SELECT n, 1 + n % 5, round((n * 7.31)::numeric % 500, 2), (ARRAY['paid', 'shipped', 'refunded'])[1 + n % 3],
       timestamptz '2024-01-01 00:00:00+00' + n * interval '7 hours'
FROM generate_series(1, 200) AS n;

-- ---- numeric types ---------------------------------------------------------------------------
CREATE TABLE types.numeric_types (
  id serial PRIMARY KEY,
  c_bigint bigint,
  c_bigserial bigserial,
  c_decimal decimal(38, 10),
  c_numeric numeric,
  c_double double precision,
  c_integer integer,
  c_money money,
  c_real real,
  c_smallint smallint,
  c_smallserial smallserial
);
INSERT INTO types.numeric_types
  (c_bigint, c_decimal, c_numeric, c_double, c_integer, c_money, c_real, c_smallint) VALUES
  (9223372036854775807, 9999999999999999999999999999.9999999999, 1e-40, 1.7976931348623157e308, 2147483647,
   92233720368547758.07, 3.4028235e38, 32767),
  (-9223372036854775808, -0.0000000001, 123456789012345678901234567890.123456789, 5e-324, -2147483648,
   -92233720368547758.08, 1.1754944e-38, -32768),
  (0, 0, 'NaN', 'NaN', 0, 0, '-Infinity', 0),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ---- string and related types ----------------------------------------------------------------
CREATE TYPE types.mood AS ENUM ('sad', 'ok', 'happy 😀');
CREATE TABLE types.string_types (
  id integer PRIMARY KEY,
  c_int_array integer[],
  c_text_array text[],
  c_bit bit(3),
  c_bit_varying bit varying(16),
  c_bytea bytea,
  c_char char,
  c_char_n char(10),
  c_enum types.mood,
  c_name name,
  c_text text,
  c_tsvector tsvector,
  c_tsquery tsquery,
  c_varchar varchar(20),
  c_xml xml
);
INSERT INTO types.string_types VALUES
  (1, '{1,2,3}', '{"a b","ç",NULL}', B'101', B'1100110011', '\x00ff10', 'x', 'padded', 'happy 😀', 'pg_name',
   'Unicode: Zoë, 日本語, עברית, emoji 🎉, quote '' and backslash \', 'the quick brown fox',
   'quick & fox', 'varchar ✓', '<note lang="fr">déjà vu</note>'),
  (2, '{}', '{}', B'000', B'', '\x', ' ', '', 'sad', '', '', '', 'a', '', '<empty/>'),
  (3, '{{1,2},{3,4}}', '{"NULL"}', B'111', B'1', decode(repeat('ab', 4096), 'hex'), 'Z', 'ten chars!', 'ok',
   repeat('n', 63), repeat('long text ', 1000), 'a:1 b:2', '!x', repeat('v', 20), '<a><b>1</b></a>'),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ---- date and time types -----------------------------------------------------------------------
CREATE TABLE types.datetime_types (
  id integer PRIMARY KEY,
  c_date date,
  c_interval interval,
  c_time time,
  c_timetz timetz,
  c_timestamp timestamp,
  c_timestamptz timestamptz
);
INSERT INTO types.datetime_types VALUES
  (1, '2024-02-29', '1 year 2 mons 3 days 04:05:06.789', '23:59:59.999999', '12:00:00+05:30',
   '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.123456+00'),
  (2, '0001-01-01', '-178000000 years', '00:00:00', '00:00:00-12', '4713-01-01 00:00:00 BC',
   '1970-01-01 00:00:00+00'),
  (3, 'infinity', '0', '24:00:00', '24:00:00+00', '-infinity', 'infinity'),
  (4, NULL, NULL, NULL, NULL, NULL, NULL);

-- ---- geometric types ---------------------------------------------------------------------------
CREATE TABLE types.geometric_types (
  id integer PRIMARY KEY,
  c_box box,
  c_circle circle,
  c_line line,
  c_lseg lseg,
  c_path path,
  c_point point,
  c_polygon polygon
);
INSERT INTO types.geometric_types VALUES
  (1, '((0,0),(1,1))', '<(0,0),5>', '{1,-1,0}', '[(0,0),(3,4)]', '[(0,0),(1,1),(2,0)]', '(1.5,-2.25)',
   '((0,0),(4,0),(4,3))'),
  (2, '((-1e300,-1e300),(1e300,1e300))', '<(1e-300,0),1e-300>', '{0,1,-5}', '[(1,1),(1,1)]', '((0,0),(1,0))',
   '(0,0)', '((1,1))'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ---- JSON and other types ----------------------------------------------------------------------
CREATE TYPE types.address AS (street text, city text, zip varchar(10));
CREATE DOMAIN types.positive_int AS integer CHECK (VALUE > 0);
CREATE DOMAIN types.email AS text CHECK (VALUE LIKE '%@%');
CREATE TABLE types.other_types (
  id integer PRIMARY KEY,
  c_json json,
  c_jsonb jsonb,
  c_boolean boolean,
  c_cidr cidr,
  c_composite types.address,
  c_domain_int types.positive_int,
  c_domain_text types.email,
  c_inet inet,
  c_macaddr macaddr,
  c_pg_lsn pg_lsn,
  c_int4range int4range,
  c_tstzrange tstzrange,
  c_numrange numrange,
  c_uuid uuid
);
INSERT INTO types.other_types VALUES
  (1, '{"b": 1, "a": [true, null, "ü"]}', '{"b": 1, "a": [true, null, "ü"]}', true, '10.0.0.0/8',
   ROW('1 Main St', 'Zürich', '8001'), 2147483647, 'ops@example.com', '192.168.1.10/24', '08:00:2b:01:02:03',
   'FFFFFFFF/FFFFFFFF', '[1,10)', '[2024-01-01 00:00:00+00,2024-12-31 00:00:00+00)', '(,0.5]',
   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  (2, '[]', '"just a string"', false, '::1/128', ROW(NULL, 'Paris, "Cité"', NULL), 1, 'a@b', '::ffff:1.2.3.4',
   '00:00:00:00:00:00', '0/0', 'empty', '(,)', 'empty', '00000000-0000-0000-0000-000000000000'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ---- the export's skip rules (each table below is skipped by the export) -----------------------
CREATE TABLE edge."space in column" ("first name" text, id integer);
INSERT INTO edge."space in column" VALUES ('skipped: a column name has a space', 1);
CREATE TABLE edge.semicolon_column ("a;b" text);
INSERT INTO edge.semicolon_column VALUES ('skipped: a column name has a semicolon');
CREATE TABLE edge.paren_column ("f(x)" integer);
INSERT INTO edge.paren_column VALUES (1);
CREATE UNLOGGED TABLE edge.scratch_unlogged (id integer, note text);
INSERT INTO edge.scratch_unlogged VALUES (1, 'skipped: unlogged');
CREATE TABLE edge."in/out" (id integer);
INSERT INTO edge."in/out" VALUES (1);

-- ---- names the catalog must sanitize (each table below is exported) ----------------------------
-- "Order-Id" and "order_id" (and the two tables) become the same name once made Athena-safe.
CREATE TABLE edge."CustomerOrders" ("Order-Id" integer, "order_id" text, "Price$USD" numeric(10, 2), "Ünïcode" text);
INSERT INTO edge."CustomerOrders" VALUES (1, 'lower-case twin', 9.99, 'ünï'), (2, NULL, NULL, NULL);
CREATE TABLE edge.customerorders (id integer, note text);
INSERT INTO edge.customerorders VALUES (1, 'collides with "CustomerOrders" after lowercasing');
CREATE TABLE edge."Weird-Name.With dots" (id integer);
INSERT INTO edge."Weird-Name.With dots" VALUES (42);
CREATE TABLE "Mixed$Case"."Table$One" ("Col$A" integer, col_b text);
INSERT INTO "Mixed$Case"."Table$One" VALUES (1, 'dollar signs in schema, table and column names');
