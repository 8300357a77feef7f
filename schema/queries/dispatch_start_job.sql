-- Compare-and-set: ?2 is the state the dispatcher picked the job in.
UPDATE job SET state = 'running', attempts = attempts + 1,
       started_at = coalesce(started_at, ?3), retry_at = NULL,
       cancel_requested = 0
 WHERE id = ?1 AND state = ?2;
