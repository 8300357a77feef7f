-- `purge`, one batch at a time: the last of the next ?4 finished jobs older
-- than ?1 after the cursor (?2 finished_at, ?3 id), in job_finished's
-- order. The batch then deletes the jobs of that window (job_purge.sql);
-- the window moves on past the jobs it keeps, so they are walked once.
SELECT finished_at, id FROM (
  SELECT finished_at, id FROM job INDEXED BY job_finished
   WHERE (state = 'succeeded' OR state = 'failed' OR state = 'cancelled')
     AND finished_at < ?1
     AND (finished_at, id) > (?2, ?3)
   ORDER BY finished_at, id
   LIMIT ?4)
 ORDER BY finished_at DESC, id DESC
 LIMIT 1;
