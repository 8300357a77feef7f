INSERT INTO job_staged_file (job_id, position, path, source, sha256)
VALUES (?1, ?2, ?3, ?4, ?5);
