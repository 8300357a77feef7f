SELECT after_id FROM job_dependency WHERE job_id = ?1 ORDER BY after_id;
