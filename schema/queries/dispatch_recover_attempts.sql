-- Crash recovery, step 1: the open attempt of every job a dead dispatcher
-- left running is closed as interrupted. It keeps the last progress the
-- dead dispatcher wrote to its job (step 2 ends the running state, and the
-- trigger of 0004 then clears the job's copy).
UPDATE attempt SET outcome = 'interrupted', finished_at = ?1,
       message = 'the dispatcher stopped before the installer finished',
       progress_percent = (SELECT progress_percent FROM job WHERE id = attempt.job_id),
       progress_action = (SELECT progress_action FROM job WHERE id = attempt.job_id),
       progress_at = (SELECT progress_at FROM job WHERE id = attempt.job_id)
 WHERE outcome IS NULL
   AND job_id IN (SELECT id FROM job WHERE state = 'running');
