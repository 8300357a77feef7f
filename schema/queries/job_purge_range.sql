-- Where `purge` starts and stops: the lowest and highest id of the finished
-- jobs older than ?1, read from job_finished (an empty range when nothing
-- is old enough, so a purge with nothing to do reads nothing else). The
-- windows of job_purge_set_fill.sql then cover only these ids; a job that
-- finishes while purge runs is newer than ?1 and outside them anyway.
SELECT min(id), max(id) FROM job INDEXED BY job_finished
 WHERE (state = 'succeeded' OR state = 'failed' OR state = 'cancelled')
   AND finished_at < ?1;
