INSERT INTO job (state, action, target, priority, not_before, deadline,
                 max_attempts, timeout_ms, idempotency_key, log_path,
                 created_at, package_sha256, package_source)
VALUES ('queued', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12);
