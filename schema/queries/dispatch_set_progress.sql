-- The running job's live progress (compare-and-set on 'running': a job
-- that ended meanwhile keeps no stale bar). ?2 or ?3 may be NULL when the
-- worker has not reported that part yet.
UPDATE job SET progress_percent = ?2, progress_action = ?3, progress_at = ?4
 WHERE id = ?1 AND state = 'running';
