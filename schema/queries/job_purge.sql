-- One batch of `purge`: the finished jobs in the window after (?1, ?2) up
-- to and including (?3, ?4) (finished_at, id), which job_purge_window.sql
-- chose in the same transaction among the jobs older than the purge's
-- limit, except those an unfinished job waits for. The window's bounds on
-- finished_at are also written alone, so that SQLite walks job_finished
-- over the window only.
DELETE FROM job INDEXED BY job_finished
 WHERE (state = 'succeeded' OR state = 'failed' OR state = 'cancelled')
   AND finished_at >= ?1 AND finished_at <= ?3
   AND (finished_at, id) > (?1, ?2)
   AND (finished_at, id) <= (?3, ?4)
   AND NOT EXISTS (SELECT 1 FROM job_dependency AS d JOIN job AS w ON w.id = d.job_id
                    WHERE d.after_id = job.id
                      AND w.state IN ('queued', 'running', 'retrying'));
