UPDATE attempt SET finished_at = ?3, exit_code = ?4, outcome = ?5, message = ?6
 WHERE job_id = ?1 AND number = ?2 AND outcome IS NULL;
