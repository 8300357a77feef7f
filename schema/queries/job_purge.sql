-- Finished jobs older than ?1, except those an unfinished job waits for.
DELETE FROM job
 WHERE (state = 'succeeded' OR state = 'failed' OR state = 'cancelled')
   AND finished_at < ?1
   AND NOT EXISTS (SELECT 1 FROM job_dependency AS d JOIN job AS w ON w.id = d.job_id
                    WHERE d.after_id = job.id
                      AND w.state IN ('queued', 'running', 'retrying'));
