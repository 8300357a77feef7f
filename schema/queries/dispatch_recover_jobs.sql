-- Crash recovery, step 2: such a job is retried at once, unless that was
-- its last attempt, or an administrator asked to cancel it (cancel --force
-- while no dispatcher was there to stop the installer). Its installer may or
-- may not have run to the end, so a retried job runs again: at-least-once,
-- with the interruption in its history.
UPDATE job
   SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled'
                    WHEN attempts >= max_attempts THEN 'failed'
                    ELSE 'retrying' END,
       retry_at = CASE WHEN cancel_requested = 1 OR attempts >= max_attempts
                       THEN NULL ELSE ?1 END,
       finished_at = CASE WHEN cancel_requested = 1 OR attempts >= max_attempts
                          THEN ?1 END,
       last_error = 'attempt ' || attempts || ' was interrupted: the dispatcher stopped before the installer finished'
                    || CASE WHEN cancel_requested = 1 THEN ' (cancelled as requested)'
                            WHEN attempts >= max_attempts THEN ' (no attempts left)'
                            ELSE '' END,
       cancel_requested = 0
 WHERE state = 'running';
