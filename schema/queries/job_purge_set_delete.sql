-- One window of `purge`: deletes the jobs of temp.purge_set with every row
-- that refers to them, and empties the set. purge runs with foreign keys
-- off on its own connection (job_purge_foreign_keys.sql): SQLite's
-- ON DELETE CASCADE runs its actions as a trigger program per deleted job,
-- one per table that refers to it (five when this was measured), which cost
-- 38 us a job (a million jobs: 38 s), against a few microseconds for these
-- deletes of whole sets. They are the cascade of migrations 0001 and 0015
-- written out: every table whose rows refer to a job
-- (test_store.c checks that no other table does), including the
-- dependencies on a deleted job, which only finished jobs can still have
-- (job_purge_set_fill.sql keeps a job an unfinished one waits for). The
-- triggers (staged_removal of a job's and its files' copies,
-- job_state_count) still fire.
DELETE FROM attempt WHERE job_id IN (SELECT id FROM temp.purge_set);
DELETE FROM job_property WHERE job_id IN (SELECT id FROM temp.purge_set);
DELETE FROM job_more_patch WHERE job_id IN (SELECT id FROM temp.purge_set);
DELETE FROM job_staged_file WHERE job_id IN (SELECT id FROM temp.purge_set);
DELETE FROM job_exit_code WHERE job_id IN (SELECT id FROM temp.purge_set);
DELETE FROM job_dependency WHERE job_id IN (SELECT id FROM temp.purge_set);
DELETE FROM job_dependency WHERE after_id IN (SELECT id FROM temp.purge_set);
DELETE FROM job WHERE id IN (SELECT id FROM temp.purge_set);
DELETE FROM temp.purge_set;
