-- Closes the running attempt with its outcome and the last progress its
-- worker reported (?7 percent, ?8 action, ?9 when it was received; all
-- NULL when it reported none), in the transaction that records the job's
-- outcome.
UPDATE attempt SET finished_at = ?3, exit_code = ?4, outcome = ?5, message = ?6,
       progress_percent = ?7, progress_action = ?8, progress_at = ?9
 WHERE job_id = ?1 AND number = ?2 AND outcome IS NULL;
