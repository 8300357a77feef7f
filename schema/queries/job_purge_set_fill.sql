-- One window of `purge`: the finished jobs older than ?3 whose ids are in
-- (?1, ?2], except those an unfinished job waits for. The window is a range
-- of the table's own key, so each statement reads only the rows of its
-- range and the whole purge reads the table once, however the finish times
-- are spread (a window over job_finished with a (finished_at, id) cursor
-- read every job of the same finish time again for each window: quadratic
-- when an import's jobs all finished within the same millisecond). NOT
-- INDEXED keeps SQLite on the key even when job_finished looks selective.
INSERT INTO temp.purge_set (id)
SELECT id FROM job NOT INDEXED
 WHERE id > ?1 AND id <= ?2
   AND (state = 'succeeded' OR state = 'failed' OR state = 'cancelled')
   AND finished_at < ?3
   AND NOT EXISTS (SELECT 1 FROM job_dependency AS d JOIN job AS w ON w.id = d.job_id
                    WHERE d.after_id = job.id
                      AND (w.state = 'queued' OR w.state = 'running' OR w.state = 'retrying'));
