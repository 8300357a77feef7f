-- The id is the larger of the largest id ever deleted (job_id_high_water,
-- 0009_purged_jobs.sql) and the table's largest id, plus one, so an id is
-- never given twice, also after `purge`.
INSERT INTO job (id, state, action, target, priority, not_before, deadline,
                 max_attempts, timeout_ms, idempotency_key, log_path,
                 created_at, package_sha256, package_source)
VALUES (1 + max(coalesce((SELECT id FROM job_id_high_water WHERE only = 1), 0),
                coalesce((SELECT max(id) FROM job), 0)),
        'queued', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12);
