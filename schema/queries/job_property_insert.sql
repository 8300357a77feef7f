INSERT INTO job_property (job_id, position, name, value) VALUES (?1, ?2, ?3, ?4);
