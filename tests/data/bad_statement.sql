-- ifnbackup 0.1.0 dump of database `bad_statement`
-- ifnbackup-format: 1
-- ifnbackup-database: bad_statement
-- ifnbackup-server: hand-made test file
-- ifnbackup-started: 2026-01-01T00:00:00Z
-- A backup whose SQL fails half way: a good table, a statement the server rejects, a second good
-- table. The tests append the trailer (`-- ifnbackup-sha256: <hex> bytes=<N>` and
-- `-- Dump completed on ...`) and gzip it, so the file passes verification and fails only on load.

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;

DROP TABLE IF EXISTS `loaded_before`;
CREATE TABLE `loaded_before` (
  `id` int(11) NOT NULL,
  `label` varchar(20) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO `loaded_before` (`id`, `label`) VALUES (1,'un'),(2,'deux'),(3,'trois');

-- The server rejects this one (error 1146: the table does not exist).
INSERT INTO `no_such_table` (`id`) VALUES (1);

DROP TABLE IF EXISTS `loaded_after`;
CREATE TABLE `loaded_after` (
  `id` int(11) NOT NULL,
  `label` varchar(20) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO `loaded_after` (`id`, `label`) VALUES (10,'dix'),(20,'vingt');

/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;

-- ifnbackup-manifest-begin
-- ifnbackup-table: `loaded_after` rows=2
-- ifnbackup-table: `loaded_before` rows=3
-- ifnbackup-manifest-end: tables=2 rows=5
