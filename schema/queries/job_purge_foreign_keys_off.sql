-- Before `purge`'s first transaction (a PRAGMA foreign_keys inside one is
-- ignored): see job_purge_set_delete.sql. Only this connection stops
-- enforcing; job_purge_foreign_keys_on.sql turns it back on after the
-- last transaction, also when one failed.
PRAGMA foreign_keys = OFF;
