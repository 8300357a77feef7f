-- The next job to start: runnable, due, every dependency succeeded; highest
-- priority first, then oldest. Walks the job_runnable index in order and
-- stops at the first match, so its cost does not grow with finished jobs.
SELECT j.id, j.state FROM job AS j INDEXED BY job_runnable
 WHERE (j.state = 'queued' OR j.state = 'retrying')
   AND (j.state = 'queued' OR j.retry_at <= ?1)
   AND (j.not_before IS NULL OR j.not_before <= ?1)
   AND NOT EXISTS (SELECT 1 FROM job_dependency AS d JOIN job AS a ON a.id = d.after_id
                    WHERE d.job_id = j.id AND a.state <> 'succeeded')
 ORDER BY j.priority DESC, j.id
 LIMIT 1;
