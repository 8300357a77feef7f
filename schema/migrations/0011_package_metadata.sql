-- 0011_package_metadata.sql: what each job's package says about itself,
-- read at enqueue (docs/cli.md, "Package metadata").
--
-- When a package is reachable and --no-check is not given, msiq opens it
-- read-only at enqueue, import and exec and keeps, for a product (.msi),
-- its ProductCode, ProductName, ProductVersion, Manufacturer, UpgradeCode,
-- ALLUSERS and MSIINSTALLPERUSER and its summary's platform and languages
-- (decimal language ids separated by commas); for a patch (.msp), its
-- patch code, the product codes it targets (separated by semicolons) and
-- its display name. package_kind is NULL when nothing was read. As in 0006,
-- the columns are added in place and the view is created again with the
-- new field; the CHECKs use equalities, never IN lists (0003).
ALTER TABLE job ADD COLUMN package_kind TEXT
  CHECK (package_kind IS NULL OR package_kind = 'product'
         OR package_kind = 'patch');
ALTER TABLE job ADD COLUMN product_code TEXT;
ALTER TABLE job ADD COLUMN product_name TEXT;
ALTER TABLE job ADD COLUMN product_version TEXT;
ALTER TABLE job ADD COLUMN manufacturer TEXT;
ALTER TABLE job ADD COLUMN upgrade_code TEXT;
ALTER TABLE job ADD COLUMN all_users TEXT;
ALTER TABLE job ADD COLUMN install_per_user TEXT;
ALTER TABLE job ADD COLUMN package_platform TEXT;
ALTER TABLE job ADD COLUMN package_languages TEXT
  CHECK (package_languages IS NULL
         OR package_languages NOT GLOB '*[^0-9,]*');
ALTER TABLE job ADD COLUMN patch_code TEXT;
ALTER TABLE job ADD COLUMN patch_targets TEXT
  CHECK (patch_targets IS NULL OR patch_targets NOT GLOB '*[^0-9A-Fa-f{};-]*');
ALTER TABLE job ADD COLUMN package_display_name TEXT;

-- The indexes of `list`'s filters (job_list_filtered.sql): --product by
-- name (in any case) or product code, --action, --since (the creation
-- time); --key uses job_by_key and --state job_by_state. The product
-- indexes are partial: jobs whose package was not read are not in them.
CREATE INDEX job_by_product_name ON job (product_name COLLATE NOCASE)
  WHERE product_name IS NOT NULL;
CREATE INDEX job_by_product_code ON job (product_code COLLATE NOCASE)
  WHERE product_code IS NOT NULL;
CREATE INDEX job_by_action ON job (action, id);
CREATE INDEX job_created ON job (created_at);

-- The view of 0006 with "package": the product's or patch's metadata, else
-- null. Languages and targets become JSON arrays (the CHECKs above keep
-- their characters to digits and commas, and GUIDs and semicolons, so the
-- text put together here is always valid JSON).
DROP VIEW job_json;
CREATE VIEW job_json (id, state, json) AS
SELECT j.id, j.state, json_object(
  'id', j.id,
  'state', j.state,
  'action', j.action,
  'target', j.target,
  'properties', json((SELECT json_group_object(p.name, p.value)
                         FROM (SELECT name, value FROM job_property
                                WHERE job_id = j.id ORDER BY position) AS p)),
  'priority', j.priority,
  'attempts', j.attempts,
  'max_attempts', j.max_attempts,
  'timeout_ms', j.timeout_ms,
  'exit_code', j.exit_code,
  'exit_code_rules', json((SELECT json_group_object(e.code, e.outcome)
                              FROM (SELECT code, outcome FROM job_exit_code
                                     WHERE job_id = j.id ORDER BY code) AS e)),
  'reboot_required', json(CASE j.reboot_required WHEN 1 THEN 'true' ELSE 'false' END),
  'not_before', strftime('%Y-%m-%dT%H:%M:%SZ', j.not_before / 1000, 'unixepoch'),
  'deadline', strftime('%Y-%m-%dT%H:%M:%SZ', j.deadline / 1000, 'unixepoch'),
  'after', json((SELECT json_group_array(d.after_id)
                    FROM (SELECT after_id FROM job_dependency
                           WHERE job_id = j.id ORDER BY after_id) AS d)),
  'key', j.idempotency_key,
  'log', j.log_path,
  'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.created_at / 1000, 'unixepoch'),
  'started_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.started_at / 1000, 'unixepoch'),
  'finished_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.finished_at / 1000, 'unixepoch'),
  'retry_at', strftime('%Y-%m-%dT%H:%M:%SZ', j.retry_at / 1000, 'unixepoch'),
  'cancel_requested', json(CASE j.cancel_requested WHEN 1 THEN 'true' ELSE 'false' END),
  'last_error', j.last_error,
  'progress', json(CASE WHEN j.state = 'running' AND j.progress_at IS NOT NULL
                        THEN json_object(
                          'percent', j.progress_percent,
                          'action', j.progress_action,
                          'since', strftime('%Y-%m-%dT%H:%M:%SZ', j.progress_at / 1000, 'unixepoch'))
                   END),
  'staged', json(CASE WHEN j.package_sha256 IS NOT NULL
                      THEN json_object('source', j.package_source,
                                       'sha256', j.package_sha256)
                 END),
  'package', json(CASE j.package_kind
                    WHEN 'product' THEN json_object(
                      'kind', 'product',
                      'product_code', j.product_code,
                      'name', j.product_name,
                      'version', j.product_version,
                      'manufacturer', j.manufacturer,
                      'upgrade_code', j.upgrade_code,
                      'all_users', j.all_users,
                      'install_per_user', j.install_per_user,
                      'platform', j.package_platform,
                      'languages', json('[' || coalesce(j.package_languages, '') || ']'))
                    WHEN 'patch' THEN json_object(
                      'kind', 'patch',
                      'patch_code', j.patch_code,
                      'name', j.package_display_name,
                      'targets', json('["' || replace(j.patch_targets, ';', '","') || '"]'))
                  END)
) FROM job AS j;
