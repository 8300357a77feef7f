-- The retrying jobs due after ?1 (now), with their attempt count and the
-- outcome of their last attempt: what the dispatcher needs to clamp retry
-- times that a backwards step of the wall clock pushed further away than
-- their backoff allows (docs/reliability.md, "Clock steps"). Walks
-- job_by_state over the retrying jobs only.
SELECT j.id, j.attempts, j.retry_at,
       (SELECT a.outcome FROM attempt AS a
         WHERE a.job_id = j.id ORDER BY a.number DESC LIMIT 1)
  FROM job AS j
 WHERE j.state = 'retrying' AND j.retry_at > ?1;
