-- Copies every frame of the WAL into the database file and truncates the
-- WAL to nothing (msiq_store_reopen: the file it belonged to was replaced;
-- after a migration, so that a new schema is in the file itself).
PRAGMA wal_checkpoint(TRUNCATE);
