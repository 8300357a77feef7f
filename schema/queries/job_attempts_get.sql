SELECT number, started_at, finished_at, exit_code, outcome, message
  FROM attempt WHERE job_id = ?1 ORDER BY number;
