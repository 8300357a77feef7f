-- 0008_state_counts.sql: the number of jobs in each state,
-- kept rather than counted, so that `status`, `report` and `doctor` cost the same
-- with a million finished jobs in the history as with none.
--
-- Triggers keep the counts, in the same transaction as the change, so no
-- path that inserts, ends, requeues or deletes a job (enqueue, import, the
-- dispatcher, cancel, retry, recovery, purge, or a tool writing the
-- database directly such as tests/bench/bench_data.py) can leave them
-- wrong. Each one updates one row of a six-row table by its key: about a
-- microsecond per job, a few per cent of `import` and `purge` (measured in
-- docs/performance.md). As in 0003, the WHEN clauses and the updates use
-- equalities, never IN lists.

CREATE TABLE job_state_count (
  state TEXT    PRIMARY KEY,
  count INTEGER NOT NULL CHECK (count >= 0)
) WITHOUT ROWID;

-- Every state has its row from the start, so the triggers only ever update.
INSERT INTO job_state_count (state, count)
SELECT s.state, (SELECT count(*) FROM job WHERE job.state = s.state)
  FROM (SELECT 'queued' AS state UNION ALL SELECT 'running'
        UNION ALL SELECT 'retrying' UNION ALL SELECT 'succeeded'
        UNION ALL SELECT 'failed' UNION ALL SELECT 'cancelled') AS s;

CREATE TRIGGER job_count_insert AFTER INSERT ON job
BEGIN
  UPDATE job_state_count SET count = count + 1 WHERE state = NEW.state;
END;

CREATE TRIGGER job_count_update AFTER UPDATE OF state ON job
  WHEN OLD.state <> NEW.state
BEGIN
  UPDATE job_state_count SET count = count - 1 WHERE state = OLD.state;
  UPDATE job_state_count SET count = count + 1 WHERE state = NEW.state;
END;

CREATE TRIGGER job_count_delete AFTER DELETE ON job
BEGIN
  UPDATE job_state_count SET count = count - 1 WHERE state = OLD.state;
END;
