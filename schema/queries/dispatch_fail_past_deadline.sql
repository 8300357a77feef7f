-- Jobs still waiting at their deadline fail: queued ones never started,
-- retrying ones may not try again after it.
-- The partial index job_deadline keeps this from walking every waiting job.
UPDATE job INDEXED BY job_deadline SET state = 'failed', finished_at = ?1, retry_at = NULL,
       last_error = 'deadline passed (' ||
                    strftime('%Y-%m-%dT%H:%M:%SZ', deadline / 1000, 'unixepoch') ||
                    CASE state WHEN 'queued' THEN ') before the job could start'
                               ELSE ') while waiting to try again' END
 WHERE deadline IS NOT NULL AND (state = 'queued' OR state = 'retrying')
   AND deadline < ?1
RETURNING id, action, target, last_error;
