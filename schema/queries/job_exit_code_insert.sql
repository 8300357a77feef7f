INSERT INTO job_exit_code (job_id, code, outcome) VALUES (?1, ?2, ?3);
