-- Compare-and-set: ?2 is the state the dispatcher picked the job in. The
-- log path msiexec will write (?4) is kept when the job named none, so
-- `msiq log` finds it later. The queue must not be paused: the gate read
-- the pause flag before this transaction, and a `pause` committed since
-- then must win, so that no job starts after `pause` returned.
UPDATE job SET state = 'running', attempts = attempts + 1,
       started_at = coalesce(started_at, ?3), retry_at = NULL,
       cancel_requested = 0, log_path = coalesce(log_path, ?4)
 WHERE id = ?1 AND state = ?2
   AND NOT EXISTS (SELECT 1 FROM queue WHERE id = 1 AND paused = 1);
