-- After `purge`'s last transaction: see job_purge_foreign_keys_off.sql.
PRAGMA foreign_keys = ON;
