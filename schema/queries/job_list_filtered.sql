-- `list` with --key ?1, --product ?2 (a product name, in any case, or a
-- product code), --action ?3, --state ?4, --since ?5 (created at or after,
-- UTC ms) and --limit ?6 (the newest ?6 jobs; -1 for all), any of them
-- NULL for "any". The jobs that match, in id order.
--
-- One statement for every combination, and still through an index: the
-- innermost UNION ALL has one branch per index (job_by_key,
-- job_by_product_name, job_by_product_code, job_created, job_by_action,
-- job_by_state), each guarded by which filters are NULL, so exactly one
-- branch reads rows (SQLite tests the guards, which hold only parameters,
-- once, before the branch's loop) and the others cost nothing; the most
-- selective filter given picks the branch, and the other filters are
-- checked on its rows. With no filter but --limit, the last branch reads
-- only the newest ?6 rows of the table. tests/test_store_reads.c checks
-- the plans.
-- Same columns as job_get.sql.
SELECT id, state, action, target, priority, not_before, deadline,
       max_attempts, timeout_ms, idempotency_key, log_path, attempts,
       exit_code, reboot_required, last_error, created_at, started_at,
       finished_at, retry_at, cancel_requested, package_sha256,
       package_source, package_kind, product_code,
       product_name, product_version, manufacturer, upgrade_code, all_users,
       install_per_user, package_platform, package_languages, patch_code,
       patch_targets, package_display_name, log_mode, related
  FROM job
 WHERE id IN (
  SELECT id FROM job
   WHERE id IN (
           SELECT id FROM job
            WHERE ?1 IS NOT NULL AND idempotency_key = ?1
           UNION ALL
           SELECT id FROM job
            WHERE ?1 IS NULL AND ?2 IS NOT NULL
              AND product_name = ?2 COLLATE NOCASE
           UNION ALL
           SELECT id FROM job
            WHERE ?1 IS NULL AND ?2 IS NOT NULL
              AND product_code = ?2 COLLATE NOCASE
           UNION ALL
           SELECT id FROM job
            WHERE ?1 IS NULL AND ?2 IS NULL AND ?5 IS NOT NULL
              AND created_at >= ?5
           UNION ALL
           SELECT id FROM job
            WHERE ?1 IS NULL AND ?2 IS NULL AND ?5 IS NULL AND ?3 IS NOT NULL
              AND action = ?3
           UNION ALL
           SELECT id FROM job
            WHERE ?1 IS NULL AND ?2 IS NULL AND ?5 IS NULL AND ?3 IS NULL
              AND ?4 IS NOT NULL AND state = ?4
           UNION ALL
           SELECT id FROM (SELECT id FROM job
                            WHERE ?1 IS NULL AND ?2 IS NULL AND ?5 IS NULL
                              AND ?3 IS NULL AND ?4 IS NULL
                            ORDER BY id DESC LIMIT ?6))
     AND (?1 IS NULL OR idempotency_key = ?1)
     AND (?2 IS NULL OR product_name = ?2 COLLATE NOCASE
          OR product_code = ?2 COLLATE NOCASE)
     AND (?3 IS NULL OR action = ?3)
     AND (?4 IS NULL OR state = ?4)
     AND (?5 IS NULL OR created_at >= ?5)
   ORDER BY id DESC LIMIT ?6)
 ORDER BY id;
