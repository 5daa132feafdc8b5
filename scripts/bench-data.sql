-- The benchmark's IFN-Connect-like dataset (scripts/bench). Deterministic: every value is a function of
-- the row number, so two runs at the same scale hold the same rows and the same CHECKSUM TABLE.
-- scripts/bench replaces the @@N_...@@ placeholders with the row counts of the chosen scale, and
-- @@TRANSACTIONS_KEYS@@ with the keys of the chosen dataset, before feeding this file to the stock client
-- as root, into an empty database.
-- At scale 1: 6,000,000 transactions (the big table, ~1 GB of rows), 300,000 payouts, 200,000 merchants,
-- 100,000 products, 2,000 markets and four small tables; one view, one procedure, one function, one
-- trigger and one (disabled) event, so that every tool has to carry them over too.
SET SESSION sql_log_bin = 0;
SET SESSION unique_checks = 0;
SET SESSION foreign_key_checks = 0;
SET SESSION time_zone = '+00:00';

CREATE TABLE operators (
    id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
    code VARCHAR(16) NOT NULL UNIQUE,
    name VARCHAR(64) NOT NULL,
    fee_rate DECIMAL(5, 4) NOT NULL
) ENGINE = InnoDB;
INSERT INTO operators VALUES
    (1, 'orange', 'Orange Money', 0.0100), (2, 'mtn', 'MTN MoMo', 0.0100), (3, 'moov', 'Moov Money', 0.0090),
    (4, 'wave', 'Wave', 0.0050), (5, 'cash', 'Espèces', 0.0000);

CREATE TABLE categories (
    id SMALLINT UNSIGNED NOT NULL PRIMARY KEY,
    name VARCHAR(64) NOT NULL,
    parent_id SMALLINT UNSIGNED NULL
) ENGINE = InnoDB;
INSERT INTO categories
SELECT seq, CONCAT(ELT(1 + seq % 8, 'Céréales', 'Légumes', 'Fruits', 'Poisson fumé', 'Attiéké', 'Huile', 'Épices',
                       'Tissus'), ' n°', seq),
       IF(seq <= 8, NULL, 1 + seq % 8)
FROM seq_1_to_40;

CREATE TABLE app_settings (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at DATETIME NOT NULL DEFAULT '2025-01-01 00:00:00'
) ENGINE = InnoDB;
INSERT INTO app_settings (name, value)
SELECT CONCAT('setting_', LPAD(seq, 2, '0')),
       CONCAT('{"enabled": ', IF(seq % 2 = 0, 'true', 'false'), ', "limit": ', seq * 1000, ', "label": "Réglage ', seq,
              ' — “quoted” \\ back\'slash"}')
FROM seq_1_to_20;

CREATE TABLE markets (
    id INT UNSIGNED NOT NULL PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    city VARCHAR(64) NOT NULL,
    region VARCHAR(64) NOT NULL,
    latitude DECIMAL(9, 6) NOT NULL,
    longitude DECIMAL(9, 6) NOT NULL,
    opened_on DATE NOT NULL,
    KEY ix_city (city)
) ENGINE = InnoDB;
INSERT INTO markets
SELECT seq, CONCAT('Marché ', ELT(1 + seq % 6, 'central', 'de nuit', 'aux poissons', 'gouro', 'de gros', 'du quartier'),
                   ' ', seq),
       ELT(1 + seq % 7, 'Abidjan', 'Bouaké', 'Daloa', 'Korhogo', 'San-Pédro', 'Yamoussoukro', 'Man'),
       ELT(1 + seq % 5, 'Lagunes', 'Vallée du Bandama', 'Sassandra-Marahoué', 'Savanes', 'Bas-Sassandra'),
       5 + (seq % 5000) / 1000, -8 + (seq % 5000) / 1000, '2010-01-01' + INTERVAL (seq % 5000) DAY
FROM seq_1_to_@@N_MARKETS@@;

CREATE TABLE merchants (
    id INT UNSIGNED NOT NULL PRIMARY KEY,
    market_id INT UNSIGNED NOT NULL,
    full_name VARCHAR(120) NOT NULL,
    phone VARCHAR(20) NOT NULL,
    email VARCHAR(120) NULL,
    kyc_level TINYINT UNSIGNED NOT NULL,
    status ENUM ('actif', 'suspendu', 'fermé') NOT NULL,
    balance DECIMAL(14, 2) NOT NULL,
    photo_hash BINARY(32) NOT NULL,
    created_at DATETIME NOT NULL,
    UNIQUE KEY uq_phone (phone),
    KEY ix_market (market_id),
    CONSTRAINT fk_merchants_market FOREIGN KEY (market_id) REFERENCES markets (id)
) ENGINE = InnoDB;
INSERT INTO merchants
SELECT seq, 1 + seq % @@N_MARKETS@@,
       CONCAT(ELT(1 + seq % 10, 'Aya', 'Zoé', 'Kouassi', 'Adjoua', 'Mamadou', 'Fatou', 'Yao', 'Aminata', 'Koffi',
                  'Mariam'), ' ',
              ELT(1 + seq % 9, 'Koné', 'N''Guessan', 'Traoré', 'Kouamé', 'Ouattara', 'Bamba', 'Diabaté', 'Coulibaly',
                  'Yéo'), ' ', seq),
       CONCAT('+225 07', LPAD(seq, 8, '0')),
       IF(seq % 3 = 0, NULL, CONCAT('marchand', seq, '@exemple.ci')),
       seq % 4, ELT(1 + (seq % 50 = 0) + (seq % 97 = 0), 'actif', 'suspendu', 'fermé'),
       (seq * 7919 % 10000000) / 100, UNHEX(SHA2(seq, 256)),
       '2018-01-01' + INTERVAL (seq * 3 % 220000000) SECOND
FROM seq_1_to_@@N_MERCHANTS@@;

CREATE TABLE products (
    id INT UNSIGNED NOT NULL PRIMARY KEY,
    merchant_id INT UNSIGNED NOT NULL,
    category_id SMALLINT UNSIGNED NOT NULL,
    name VARCHAR(120) NOT NULL,
    unit VARCHAR(16) NOT NULL,
    unit_price DECIMAL(12, 2) NOT NULL,
    stock INT NOT NULL,
    description TEXT NULL,
    KEY ix_merchant (merchant_id),
    KEY ix_category (category_id)
) ENGINE = InnoDB;
INSERT INTO products
SELECT seq, 1 + seq * 13 % @@N_MERCHANTS@@, 1 + seq % 40,
       CONCAT(ELT(1 + seq % 8, 'Riz parfumé', 'Igname', 'Banane plantain', 'Manioc', 'Tomates', 'Piment', 'Pagne wax',
                  'Savon noir'), ' ', seq),
       ELT(1 + seq % 4, 'kg', 'sac', 'tas', 'pièce'), 50 + (seq * 31 % 500000) / 100, CAST(seq % 1000 AS SIGNED) - 20,
       IF(seq % 5 = 0, NULL, REPEAT(CONCAT('Qualité ', seq % 3, ', origine locale. '), 1 + seq % 6))
FROM seq_1_to_@@N_PRODUCTS@@;

CREATE TABLE payouts (
    id INT UNSIGNED NOT NULL PRIMARY KEY,
    merchant_id INT UNSIGNED NOT NULL,
    operator_id TINYINT UNSIGNED NOT NULL,
    amount DECIMAL(14, 2) NOT NULL,
    status ENUM ('demandé', 'payé', 'rejeté') NOT NULL,
    requested_at DATETIME NOT NULL,
    paid_at DATETIME NULL,
    KEY ix_merchant (merchant_id),
    CONSTRAINT fk_payouts_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id)
) ENGINE = InnoDB;
INSERT INTO payouts
SELECT seq, 1 + seq * 17 % @@N_MERCHANTS@@, 1 + seq % 5, (seq * 104729 % 50000000) / 100,
       ELT(1 + seq % 3, 'demandé', 'payé', 'rejeté'),
       '2022-01-01' + INTERVAL (seq * 11 % 94000000) SECOND,
       IF(seq % 3 = 1, '2022-01-02' + INTERVAL (seq * 11 % 94000000) SECOND, NULL)
FROM seq_1_to_@@N_PAYOUTS@@;

-- The big table. ~165 bytes of row data each, with a unique and secondary indexes (what a restore has to
-- rebuild) and a TIMESTAMP column (what a time zone mistake would shift). Its keys are the dataset's
-- (scripts/bench --dataset): `base`, a unique, three secondary indexes and one foreign key; `fk`, a
-- unique and two foreign keys (to merchants and products), each backed by a secondary index.
CREATE TABLE transactions (
    id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    merchant_id INT UNSIGNED NOT NULL,
    product_id INT UNSIGNED NULL,
    market_id INT UNSIGNED NOT NULL,
    operator_id TINYINT UNSIGNED NOT NULL,
    kind ENUM ('vente', 'achat', 'dépôt', 'retrait', 'remboursement') NOT NULL,
    amount DECIMAL(14, 2) NOT NULL,
    fee DECIMAL(10, 2) NOT NULL,
    currency CHAR(3) NOT NULL DEFAULT 'XOF',
    status ENUM ('ok', 'en_attente', 'échoué') NOT NULL,
    reference CHAR(32) CHARACTER SET ascii NOT NULL,
    payer_phone VARCHAR(20) NOT NULL,
    note VARCHAR(255) NULL,
    created_at DATETIME NOT NULL,
    synced_at TIMESTAMP NULL DEFAULT NULL,
    @@TRANSACTIONS_KEYS@@
) ENGINE = InnoDB;
-- Loaded in slices of at most 500,000 rows: one huge INSERT ... SELECT would hold its undo log to the end.
@@TRANSACTION_SLICES@@

CREATE VIEW v_merchant_totals AS
SELECT m.id AS merchant_id, m.full_name, COUNT(t.id) AS transactions, COALESCE(SUM(t.amount), 0) AS total
FROM merchants m LEFT JOIN transactions t ON t.merchant_id = m.id
GROUP BY m.id, m.full_name;

DELIMITER ;;
CREATE PROCEDURE p_daily_total(IN p_day DATE)
BEGIN
    SELECT COUNT(*), SUM(amount) FROM transactions WHERE created_at >= p_day AND created_at < p_day + INTERVAL 1 DAY;
END;;
CREATE FUNCTION f_fee(p_amount DECIMAL(14, 2), p_operator TINYINT UNSIGNED) RETURNS DECIMAL(10, 2) DETERMINISTIC
BEGIN
    RETURN ROUND(p_amount * (SELECT fee_rate FROM operators WHERE id = p_operator), 2);
END;;
CREATE TRIGGER tr_settings_touch BEFORE UPDATE ON app_settings FOR EACH ROW
BEGIN
    SET NEW.updated_at = NOW();
END;;
DELIMITER ;
CREATE EVENT ev_purge_pending ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 02:30:00' DISABLE
DO DELETE FROM payouts WHERE status = 'rejeté' AND requested_at < NOW() - INTERVAL 10 YEAR;
