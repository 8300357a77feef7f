SELECT code, outcome FROM job_exit_code WHERE job_id = ?1 ORDER BY code;
