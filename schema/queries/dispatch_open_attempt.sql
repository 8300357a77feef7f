INSERT INTO attempt (job_id, number, started_at)
VALUES (?1, (SELECT coalesce(max(number), 0) + 1 FROM attempt WHERE job_id = ?1), ?2)
RETURNING number;
