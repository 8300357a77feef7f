-- Jobs waiting for a job that failed or was cancelled fail too, naming it.
-- Run until it changes nothing, so chains of dependencies fail in turn.
UPDATE job SET state = 'failed', finished_at = ?1, retry_at = NULL,
       last_error = (SELECT 'dependency job ' || a.id || ' ' || a.state
                       FROM job_dependency AS d JOIN job AS a ON a.id = d.after_id
                      WHERE d.job_id = job.id AND a.state IN ('failed', 'cancelled')
                      ORDER BY a.id LIMIT 1)
 WHERE state IN ('queued', 'retrying')
   AND id IN (SELECT d.job_id FROM job_dependency AS d JOIN job AS a ON a.id = d.after_id
               WHERE a.state IN ('failed', 'cancelled'))
RETURNING id, action, target, last_error;
