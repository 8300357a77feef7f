-- Compare-and-set: ?2 is the state the dispatcher picked the job in. The
-- log path msiexec will write (?4) is kept when the job named none, so
-- `msiq log` finds it later.
UPDATE job SET state = 'running', attempts = attempts + 1,
       started_at = coalesce(started_at, ?3), retry_at = NULL,
       cancel_requested = 0, log_path = coalesce(log_path, ?4)
 WHERE id = ?1 AND state = ?2;
