SELECT id FROM job
 WHERE idempotency_key = ?1 AND state IN ('queued', 'running', 'retrying');
