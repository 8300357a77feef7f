-- 0009_purged_jobs.sql: a job id is never given twice, also after `purge`
-- (issue 13).
--
-- The job table's id is a plain INTEGER PRIMARY KEY, without AUTOINCREMENT,
-- so SQLite gives a new row the largest id in the table plus one: once
-- `purge` had removed the newest jobs, their ids came back, and a script
-- that kept an id (or a log file named after it) met another job under it.
-- Rebuilding the table with AUTOINCREMENT would drop and recreate every
-- view and trigger that names it (0003 did it once); instead the largest id
-- ever deleted is kept here, by a trigger, so that every path that deletes
-- a job (purge, or a tool writing the database directly) records it, and
-- job_insert.sql gives the next job the larger of that and the table's
-- largest id, plus one.
--
-- A database upgraded in place starts from its largest id: the ids of jobs
-- purged before the upgrade are not recorded anywhere, so an id above it
-- that an earlier purge removed may be given once more.

CREATE TABLE job_id_high_water (
  only INTEGER PRIMARY KEY CHECK (only = 1),
  id   INTEGER NOT NULL CHECK (id >= 0)
);

INSERT INTO job_id_high_water (only, id)
SELECT 1, coalesce((SELECT max(id) FROM job), 0);

-- One row by its key per deleted job, the cost of 0008's count trigger.
CREATE TRIGGER job_id_note_deleted AFTER DELETE ON job
  WHEN OLD.id > (SELECT id FROM job_id_high_water WHERE only = 1)
BEGIN
  UPDATE job_id_high_water SET id = OLD.id WHERE only = 1;
END;
