-- Same columns as job_get.sql; ?1 is a state name or NULL for every job.
SELECT id, state, action, target, priority, not_before, deadline,
       max_attempts, timeout_ms, idempotency_key, log_path, attempts,
       exit_code, reboot_required, last_error, created_at, started_at,
       finished_at, retry_at, cancel_requested, package_sha256,
       package_source
  FROM job WHERE ?1 IS NULL OR state = ?1 ORDER BY id;
