SELECT name, value FROM job_property WHERE job_id = ?1 ORDER BY position;
