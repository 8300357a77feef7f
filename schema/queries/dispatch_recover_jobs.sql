-- Crash recovery, step 2: such a job is retried at once, unless that was
-- its last attempt. Its installer may or may not have run to the end, so
-- the job runs again: at-least-once, with the interruption in its history.
UPDATE job
   SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'retrying' END,
       retry_at = CASE WHEN attempts >= max_attempts THEN NULL ELSE ?1 END,
       finished_at = CASE WHEN attempts >= max_attempts THEN ?1 END,
       cancel_requested = 0,
       last_error = 'attempt ' || attempts || ' was interrupted: the dispatcher stopped before the installer finished'
                    || CASE WHEN attempts >= max_attempts THEN ' (no attempts left)' ELSE '' END
 WHERE state = 'running';
