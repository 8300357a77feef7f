-- The id is the larger of the largest id ever deleted (job_id_high_water,
-- 0009_purged_jobs.sql) and the table's largest id, plus one, so an id is
-- never given twice, also after `purge`.
INSERT INTO job (id, state, action, target, priority, not_before, deadline,
                 max_attempts, timeout_ms, idempotency_key, log_path,
                 created_at, package_sha256, package_source, package_kind,
                 product_code, product_name, product_version, manufacturer,
                 upgrade_code, all_users, install_per_user, package_platform,
                 package_languages, patch_code, patch_targets,
                 package_display_name, log_mode, related)
VALUES (1 + max(coalesce((SELECT id FROM job_id_high_water WHERE only = 1), 0),
                coalesce((SELECT max(id) FROM job), 0)),
        'queued', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
        ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27);
