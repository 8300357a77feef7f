SELECT id, state, action, target, priority, not_before, deadline,
       max_attempts, timeout_ms, idempotency_key, log_path, attempts,
       exit_code, reboot_required, last_error, created_at, started_at,
       finished_at, retry_at, cancel_requested, package_sha256,
       package_source, package_kind, product_code,
       product_name, product_version, manufacturer, upgrade_code, all_users,
       install_per_user, package_platform, package_languages, patch_code,
       patch_targets, package_display_name, log_mode, related
  FROM job WHERE id = ?1;
