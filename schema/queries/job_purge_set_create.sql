-- `purge`: the jobs one window deletes (job_purge_set_fill.sql), in a
-- temporary table of purge's own connection, created once per purge.
CREATE TEMP TABLE IF NOT EXISTS purge_set (id INTEGER PRIMARY KEY);
DELETE FROM temp.purge_set;
