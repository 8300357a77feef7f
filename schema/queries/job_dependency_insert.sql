INSERT OR IGNORE INTO job_dependency (job_id, after_id) VALUES (?1, ?2);
