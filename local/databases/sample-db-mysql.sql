-- The local stack's sample MySQL / MariaDB database. Its tables cover every row of the export's
-- MySQL and MariaDB → Parquet mapping table (RDS User Guide, "Exporting DB snapshot data to Amazon
-- S3", MySQL and MariaDB data type mapping to Parquet), with NULLs, 4-byte Unicode, extreme values,
-- zero dates, and names that exercise the export's skip rules and the catalog's sanitizing rules.
-- It runs in the connection's database and owns the tables it drops, so it is re-runnable. Table
-- names that differ only in case (CustomerOrders, customerorders) need lower_case_table_names = 0,
-- the default on Linux.
SET NAMES utf8mb4;
SET time_zone = '+00:00';
DROP TABLE IF EXISTS customers, orders, numeric_types, string_types, datetime_types, zero_dates, spatial_types,
  `space in column`, semicolon_column, paren_column, equals_column, `in/out`,
  `CustomerOrders`, customerorders, `Weird-Name.With dots`, `Table$One`;

-- ---- a small business schema: what the sample query reads -------------------------------------
CREATE TABLE customers (
  customer_id INT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  country VARCHAR(2),
  signed_up DATE NOT NULL
) DEFAULT CHARSET = utf8mb4;
INSERT INTO customers VALUES
  (1, 'Ada Lovelace', 'GB', '2023-01-15'),
  (2, 'Zoë Ångström', 'SE', '2023-03-02'),
  (3, '山田 太郎', 'JP', '2023-07-21'),
  (4, 'José Nuñez 🎉', 'MX', '2024-02-29'),
  (5, 'No Country', NULL, '2024-05-01');

CREATE TABLE orders (
  order_id BIGINT PRIMARY KEY,
  customer_id INT NOT NULL,
  amount DECIMAL(12, 2) NOT NULL,
  status VARCHAR(10) NOT NULL,
  ordered_at DATETIME NOT NULL
) DEFAULT CHARSET = utf8mb4;
-- 1..200 from digits (no recursive CTE, which MySQL 5.7 lacks); the same rows as the PostgreSQL sample.
INSERT INTO orders
SELECT n, 1 + n % 5, ROUND(MOD(n * 7.31, 500), 2), ELT(1 + n % 3, 'paid', 'shipped', 'refunded'),
       TIMESTAMP('2024-01-01 00:00:00') + INTERVAL (n * 7) HOUR
FROM (SELECT h.d * 100 + t.d * 10 + u.d AS n
      FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2) AS h,
           (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
            UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS t,
           (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
            UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS u) AS digits
WHERE n BETWEEN 1 AND 200;

-- ---- numeric types: INT32 / INT64 / DECIMAL by size / DOUBLE ----------------------------------
CREATE TABLE numeric_types (
  id INT PRIMARY KEY,
  c_bigint BIGINT,
  c_bigint_unsigned BIGINT UNSIGNED,       -- FIXED_LEN_BYTE_ARRAY(9) DECIMAL(20,0)
  c_decimal_5_2 DECIMAL(5, 2),             -- INT32 DECIMAL
  c_decimal_15_2 DECIMAL(15, 2),           -- INT64 DECIMAL
  c_decimal_38_10 DECIMAL(38, 10),         -- FIXED_LEN_BYTE_ARRAY(16) DECIMAL
  c_numeric_65_30 NUMERIC(65, 30),         -- precision above 38: a string
  c_double DOUBLE,
  c_float FLOAT,
  c_int INT,
  c_mediumint MEDIUMINT,
  c_smallint SMALLINT,
  c_tinyint TINYINT,
  c_boolean BOOLEAN,
  c_smallint_unsigned SMALLINT UNSIGNED,
  c_int_unsigned INT UNSIGNED,             -- INT64
  c_mediumint_unsigned MEDIUMINT UNSIGNED, -- INT64
  c_tinyint_unsigned TINYINT UNSIGNED,     -- INT32 INT(16,true)
  c_year YEAR
) DEFAULT CHARSET = utf8mb4;
INSERT INTO numeric_types VALUES
  (1, 9223372036854775807, 18446744073709551615, 999.99, 9999999999999.99,
   9999999999999999999999999999.9999999999,
   99999999999999999999999999999999999.999999999999999999999999999999,
   1.7976931348623157e308, 3.4028234e38, 2147483647, 8388607, 32767, 127, TRUE, 65535, 4294967295, 16777215,
   255, 2155),
  (2, -9223372036854775808, 0, -999.99, -9999999999999.99,
   -9999999999999999999999999999.9999999999,
   -99999999999999999999999999999999999.999999999999999999999999999999,
   -1.7976931348623157e308, -3.4028234e38, -2147483648, -8388608, -32768, -128, FALSE, 0, 0, 0, 0, 1901),
  (3, 0, 9007199254740993, 0.01, 0.00, -0.0000000001, 0.000000000000000000000000000001, 5e-324, 1.1754944e-38,
   0, 0, 0, 0, NULL, 1, 1, 1, 1, 0),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ---- bit, binary, character and document types: BYTE_ARRAY, BYTE_ARRAY STRING ------------------
CREATE TABLE string_types (
  id INT PRIMARY KEY,
  c_bit BIT(10),
  c_bit64 BIT(64),
  c_binary BINARY(4),
  c_varbinary VARBINARY(16),
  c_tinyblob TINYBLOB,
  c_blob BLOB,
  c_mediumblob MEDIUMBLOB,
  c_longblob LONGBLOB,
  c_char CHAR(10),
  c_varchar VARCHAR(40),
  c_tinytext TINYTEXT,
  c_text TEXT,
  c_mediumtext MEDIUMTEXT,
  c_longtext LONGTEXT,
  c_enum ENUM('sad', 'ok', 'happy 😀'),
  c_set SET('red', 'green', 'blue'),
  c_json JSON
) DEFAULT CHARSET = utf8mb4;
INSERT INTO string_types VALUES
  (1, b'1010101011', b'1111111111111111111111111111111111111111111111111111111111111111', X'00FF10',
   X'DEADBEEF', X'', X'00', REPEAT(X'AB', 4096), CONVERT('bytes 🎉' USING binary), 'padded', 'varchar ✓ 🎉',
   'ç', 'Unicode: Zoë, 日本語, עברית, emoji 🎉, quote '' and backslash \\', REPEAT('long text ', 1000),
   'longtext 𝄞', 'happy 😀', 'red,blue', '{"b": 1, "a": [true, null, "ü", "🎉"]}'),
  (2, b'0', b'0', X'00000000', X'', X'00', X'', X'', X'', '', '', '', '', '', '', 'sad', '', '[]'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ---- date and time types: DATE and TIME are strings, DATETIME and TIMESTAMP INT64 TIMESTAMP_MICROS --
CREATE TABLE datetime_types (
  id INT PRIMARY KEY,
  c_date DATE,
  c_time TIME,
  c_time6 TIME(6),
  c_datetime DATETIME,
  c_datetime6 DATETIME(6),
  c_timestamp TIMESTAMP NULL,
  c_timestamp6 TIMESTAMP(6) NULL,
  c_year YEAR
) DEFAULT CHARSET = utf8mb4;
INSERT INTO datetime_types VALUES
  (1, '2024-02-29', '23:59:59', '-838:59:59.000000', '2024-02-29 12:34:56', '2024-02-29 12:34:56.123456',
   '2024-02-29 12:34:56', '2038-01-19 03:14:07.999999', 2024),
  (2, '1000-01-01', '00:00:00', '838:59:59.999999', '1000-01-01 00:00:00', '9999-12-31 23:59:59.999999',
   '1970-01-01 00:00:01', '1970-01-01 00:00:01.000001', 1901),
  (3, '9999-12-31', '-00:00:01', '12:00:00.5', '1969-12-31 23:59:59', '1969-12-31 23:59:59.999999',
   '2000-01-01 00:00:00', '2000-01-01 00:00:00.5', 2155),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ---- zero dates: allowed once the session's sql_mode permits them (NO_ZERO_DATE, NO_ZERO_IN_DATE
-- and strict mode off). DATE columns keep them as text; in DATETIME / TIMESTAMP columns the local
-- export writes NULL (see README, zero dates).
SET @sample_sql_mode = @@SESSION.sql_mode;
SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';
CREATE TABLE zero_dates (
  id INT PRIMARY KEY,
  c_date DATE,
  c_datetime DATETIME,
  c_datetime6 DATETIME(6),
  c_timestamp TIMESTAMP NULL,
  note VARCHAR(40)
) DEFAULT CHARSET = utf8mb4;
INSERT INTO zero_dates VALUES
  (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', 'zero date'),
  (2, '2024-00-15', '2024-00-15 10:00:00', '2024-02-00 10:00:00.250000', NULL, 'zero month, zero day'),
  (3, '0000-01-01', '0000-01-01 00:00:00', '0000-12-31 23:59:59.999999', NULL, 'year 0000 (1 BC)'),
  (4, '2024-02-29', '2024-02-29 12:00:00', '2024-02-29 12:00:00.000001', '2024-02-29 12:00:00', 'valid');
SET SESSION sql_mode = @sample_sql_mode;

-- ---- spatial types: BYTE_ARRAY, the stored value (4-byte SRID, then WKB) --------------------------
CREATE TABLE spatial_types (
  id INT PRIMARY KEY,
  c_geometry GEOMETRY,
  c_point POINT,
  c_linestring LINESTRING,
  c_polygon POLYGON,
  c_multipoint MULTIPOINT,
  c_multilinestring MULTILINESTRING,
  c_multipolygon MULTIPOLYGON,
  c_geometrycollection GEOMETRYCOLLECTION
) DEFAULT CHARSET = utf8mb4;
INSERT INTO spatial_types VALUES
  (1, ST_GeomFromText('POINT(10 20)', 3857), ST_GeomFromText('POINT(1.5 -2.25)'),
   ST_GeomFromText('LINESTRING(0 0, 3 4)'), ST_GeomFromText('POLYGON((0 0, 4 0, 4 3, 0 0))'),
   ST_GeomFromText('MULTIPOINT(0 0, 1 1)'), ST_GeomFromText('MULTILINESTRING((0 0, 1 1), (2 2, 3 3))'),
   ST_GeomFromText('MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))'),
   ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 1 1))')),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- ---- the export's skip rules (each table below is skipped by the export) -----------------------
CREATE TABLE `space in column` (`first name` TEXT, id INT) DEFAULT CHARSET = utf8mb4;
INSERT INTO `space in column` VALUES ('skipped: a column name has a space', 1);
CREATE TABLE semicolon_column (`a;b` TEXT) DEFAULT CHARSET = utf8mb4;
INSERT INTO semicolon_column VALUES ('skipped: a column name has a semicolon');
CREATE TABLE paren_column (`f(x)` INT);
INSERT INTO paren_column VALUES (1);
CREATE TABLE equals_column (`a=b` INT);
INSERT INTO equals_column VALUES (1);
CREATE TABLE `in/out` (id INT);
INSERT INTO `in/out` VALUES (1);

-- ---- names the catalog must sanitize (each table below is exported) ----------------------------
-- `Order-Id` and `order_id` (and the two tables) become the same name once made Athena-safe.
CREATE TABLE `CustomerOrders` (`Order-Id` INT, `order_id` TEXT, `Price$USD` DECIMAL(10, 2), `Ünïcode` TEXT)
  DEFAULT CHARSET = utf8mb4;
INSERT INTO `CustomerOrders` VALUES (1, 'lower-case twin', 9.99, 'ünï'), (2, NULL, NULL, NULL);
CREATE TABLE customerorders (id INT, note TEXT) DEFAULT CHARSET = utf8mb4;
INSERT INTO customerorders VALUES (1, 'collides with `CustomerOrders` after lowercasing');
CREATE TABLE `Weird-Name.With dots` (id INT);
INSERT INTO `Weird-Name.With dots` VALUES (42);
CREATE TABLE `Table$One` (`Col$A` INT, col_b TEXT) DEFAULT CHARSET = utf8mb4;
INSERT INTO `Table$One` VALUES (1, 'dollar signs in table and column names');
