-- The "many tables" datasets of scripts/bench (--dataset many, medium; issue 20). Deterministic: every
-- value is a function of the table's number and the row number. scripts/bench prints the part before
-- @@PER_TABLE@@ once, then the part after it once per table, with @@TABLE@@ (t0001, t0002, ...), @@I@@
-- (its number), @@ROWS@@ (rows per table) and @@FK@@ (the medium dataset's foreign key, or nothing)
-- replaced, and feeds it to the stock client as root, into an empty database.
SET SESSION sql_log_bin = 0;
SET SESSION unique_checks = 0;
SET SESSION foreign_key_checks = 0;
SET SESSION time_zone = '+00:00';
CREATE TABLE accounts (
    id INT UNSIGNED NOT NULL PRIMARY KEY,
    name VARCHAR(64) NOT NULL
) ENGINE = InnoDB;
INSERT INTO accounts SELECT seq, CONCAT('Compte ', seq) FROM seq_1_to_100;
@@PER_TABLE@@
CREATE TABLE @@TABLE@@ (
    id INT UNSIGNED NOT NULL PRIMARY KEY,
    account_id INT UNSIGNED NOT NULL,
    label VARCHAR(80) NOT NULL,
    amount DECIMAL(12, 2) NOT NULL,
    created_at DATETIME NOT NULL,
    note VARCHAR(120) NULL,
    KEY ix_account_created (account_id, created_at),
    @@FK@@
    KEY ix_created (created_at)
) ENGINE = InnoDB;
INSERT INTO @@TABLE@@
SELECT seq, 1 + (seq * 7 + @@I@@) % 100, CONCAT('Ligne ', @@I@@, '-', seq, ' — café'), (seq * 7907 % 1000000) / 100,
       '2024-01-01' + INTERVAL ((seq * 13 + @@I@@ * 101) % 30000000) SECOND,
       IF(seq % 3 = 0, NULL, CONCAT('« note » ', MD5(seq + @@I@@)))
FROM seq_1_to_@@ROWS@@;
