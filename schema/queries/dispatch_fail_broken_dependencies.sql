-- Jobs waiting for a job that failed or was cancelled fail too, naming it.
-- Run until it changes nothing, so chains of dependencies fail in turn (the
-- trigger job_note_broken_dependency puts each job failed here on the work
-- list for the next round), then dispatch_clear_broken_dependencies.sql.
-- Driven by the work list dependency_broken (CROSS JOIN keeps it first), so
-- the cost follows the broken dependencies, not the history.
UPDATE job SET state = 'failed', finished_at = ?1, retry_at = NULL,
       last_error = (SELECT 'dependency job ' || a.id || ' ' || a.state
                       FROM job_dependency AS d JOIN job AS a ON a.id = d.after_id
                      WHERE d.job_id = job.id AND a.state IN ('failed', 'cancelled')
                      ORDER BY a.id LIMIT 1)
 WHERE state IN ('queued', 'retrying')
   AND id IN (SELECT d.job_id
                FROM dependency_broken AS b
                CROSS JOIN job AS a ON a.id = b.after_id
                CROSS JOIN job_dependency AS d ON d.after_id = b.after_id
               WHERE a.state IN ('failed', 'cancelled'))
RETURNING id, action, target, last_error;
