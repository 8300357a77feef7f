-- Whether any waiting job is due at ?1 (now): one seek in job_due. The pick
-- (dispatch_pick_next.sql) walks job_runnable in priority order and would
-- walk every waiting job when none is due; this read answers that case
-- first. Its expression is job_due's, word for word.
SELECT EXISTS (
  SELECT 1 FROM job INDEXED BY job_due
   WHERE (state = 'queued' OR state = 'retrying')
     AND max(coalesce(not_before, 0),
             CASE state WHEN 'retrying' THEN coalesce(retry_at, 9223372036854775807)
                        ELSE 0 END) <= ?1);
