-- Copies every frame of the WAL into the database file and truncates the
-- WAL to nothing (msiq_store_reopen: the file it belonged to was replaced).
PRAGMA wal_checkpoint(TRUNCATE);
