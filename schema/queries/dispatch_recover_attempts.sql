-- Crash recovery, step 1: the open attempt of every job a dead dispatcher
-- left running is closed as interrupted.
UPDATE attempt SET outcome = 'interrupted', finished_at = ?1,
       message = 'the dispatcher stopped before the installer finished'
 WHERE outcome IS NULL
   AND job_id IN (SELECT id FROM job WHERE state = 'running');
