-- A small IFN-Connect-like database: markets, merchants, products, mobile-money transactions.
-- Load into an existing, empty database:  mariadb ifn_connect < tests/data/sample.sql
-- Deterministic: the same rows on every load (no RAND(), no NOW()), generated from the sequence engine.
-- Row counts: markets 6, merchants 40, products 120, transactions 600.

SET NAMES utf8mb4;
SET time_zone = '+00:00';

CREATE TABLE markets (
  id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(80) NOT NULL,
  commune VARCHAR(60) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_markets_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE merchants (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  full_name VARCHAR(120) NOT NULL,
  phone CHAR(14) NOT NULL COMMENT 'format +225XXXXXXXXXX',
  market_id SMALLINT UNSIGNED NOT NULL,
  balance DECIMAL(14,2) NOT NULL DEFAULT 0.00 COMMENT 'FCFA, kept by trigger trg_transactions_balance',
  created_at TIMESTAMP NOT NULL DEFAULT '2024-01-01 08:00:00',
  PRIMARY KEY (id),
  UNIQUE KEY uq_merchants_phone (phone),
  KEY ix_merchants_market (market_id),
  CONSTRAINT fk_merchants_market FOREIGN KEY (market_id) REFERENCES markets (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE products (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  merchant_id INT UNSIGNED NOT NULL,
  name VARCHAR(100) NOT NULL,
  unit VARCHAR(20) NOT NULL,
  unit_price DECIMAL(12,2) NOT NULL,
  PRIMARY KEY (id),
  KEY ix_products_merchant (merchant_id),
  CONSTRAINT fk_products_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE transactions (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  merchant_id INT UNSIGNED NOT NULL,
  product_id INT UNSIGNED NULL,
  kind ENUM('vente','depot','retrait') NOT NULL,
  operator ENUM('Orange Money','MTN MoMo','Moov Money','Wave','Espèces') NOT NULL,
  amount DECIMAL(14,2) NOT NULL,
  reference VARCHAR(40) NULL,
  note VARCHAR(200) NULL,
  occurred_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_transactions_reference (reference),
  KEY ix_transactions_merchant_time (merchant_id, occurred_at),
  CONSTRAINT fk_transactions_merchant FOREIGN KEY (merchant_id) REFERENCES merchants (id),
  CONSTRAINT fk_transactions_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Balance bookkeeping: a sale or a deposit credits the merchant, a withdrawal debits.
DELIMITER ;;
CREATE TRIGGER trg_transactions_balance AFTER INSERT ON transactions FOR EACH ROW
BEGIN
  UPDATE merchants
     SET balance = balance + IF(NEW.kind = 'retrait', -NEW.amount, NEW.amount)
   WHERE id = NEW.merchant_id;
END;;
DELIMITER ;

CREATE VIEW merchant_daily_totals AS
  SELECT t.merchant_id,
         m.full_name,
         DATE(t.occurred_at) AS day,
         COUNT(*) AS transaction_count,
         SUM(IF(t.kind = 'retrait', -t.amount, t.amount)) AS net_amount
    FROM transactions t
    JOIN merchants m ON m.id = t.merchant_id
   GROUP BY t.merchant_id, m.full_name, DATE(t.occurred_at);

INSERT INTO markets (id, name, commune) VALUES
  (1, 'Marché d''Adjamé', 'Adjamé'),
  (2, 'Grand marché de Treichville', 'Treichville'),
  (3, 'Marché de Cocody Saint-Jean', 'Cocody'),
  (4, 'Marché Gouro', 'Adjamé'),
  (5, 'Marché d''Abobo-Gare', 'Abobo'),
  (6, 'Marché de Yopougon Siporex', 'Yopougon');

-- 40 merchants: 8 first names x 5 family names, a few written by hand to keep the tricky spellings.
INSERT INTO merchants (id, full_name, phone, market_id, created_at) VALUES
  (1, 'Adjoua Kouassi-Brou', '+2250701000001', 1, '2024-01-02 07:15:00'),
  (2, 'Zoé N''Guessan', '+2250701000002', 1, '2024-01-02 07:30:00'),
  (3, 'Aminata Traoré', '+2250701000003', 2, '2024-01-03 09:00:00'),
  (4, 'Koffi Yao Éric', '+2250701000004', 3, '2024-01-03 10:45:00'),
  (5, 'Mariam Ouattara-Diabaté', '+2250701000005', 4, '2024-01-04 06:50:00');
INSERT INTO merchants (id, full_name, phone, market_id, created_at)
SELECT s.seq,
       CONCAT(ELT(1 + s.seq % 8, 'Akissi', 'Fatoumata', 'Aya', 'Séraphin', 'Affoué', 'Ibrahim', 'Célestine', 'Awa'),
              ' ',
              ELT(1 + (s.seq DIV 8) % 5, 'Koné', 'Bamba', 'Kouamé', 'Gnagbo', 'Dié')),
       CONCAT('+22507010000', LPAD(s.seq, 2, '0')),
       1 + s.seq % 6,
       TIMESTAMP('2024-01-05 08:00:00') + INTERVAL s.seq * 7 HOUR
  FROM seq_6_to_40 AS s;

-- 3 products per merchant.
INSERT INTO products (id, merchant_id, name, unit, unit_price)
SELECT s.seq,
       1 + (s.seq - 1) DIV 3,
       ELT(1 + s.seq % 10, 'Attiéké', 'Banane plantain', 'Igname', 'Riz local', 'Huile de palme rouge',
           'Piment frais', 'Poisson fumé', 'Gombo séché', 'Pagne wax', 'Savon « Kabakrou »'),
       ELT(1 + s.seq % 4, 'sachet', 'kg', 'tas', 'pièce'),
       100 + (s.seq * 37) % 4900 + (s.seq % 4) * 0.25
  FROM seq_1_to_120 AS s;

-- 600 transactions over 30 days; the trigger keeps merchants.balance up to date.
INSERT INTO transactions (id, merchant_id, product_id, kind, operator, amount, reference, note, occurred_at)
SELECT s.seq,
       1 + s.seq % 40,
       IF(s.seq % 5 = 0, NULL, 1 + (s.seq % 40) * 3 + s.seq % 3),
       ELT(1 + IF(s.seq % 5 = 0, 1 + (s.seq DIV 40) % 2, 0), 'vente', 'depot', 'retrait'),
       ELT(1 + s.seq % 5, 'Orange Money', 'MTN MoMo', 'Moov Money', 'Wave', 'Espèces'),
       IF(s.seq % 5 = 0 AND (s.seq DIV 40) % 2 = 1, 500 + (s.seq * 13) % 2000,
          250 + (s.seq * 97) % 25000 + (s.seq % 2) * 0.50),
       IF(s.seq % 5 = 4, NULL, CONCAT('IFN-', LPAD(s.seq, 8, '0'))),
       CASE s.seq % 7
         WHEN 0 THEN 'Paiement reçu — merci !'
         WHEN 3 THEN 'Client d''Abidjan'
         ELSE NULL
       END,
       TIMESTAMP('2024-03-01 06:00:00') + INTERVAL s.seq * 71 MINUTE + INTERVAL (s.seq % 1000) * 1000 MICROSECOND
  FROM seq_1_to_600 AS s;
