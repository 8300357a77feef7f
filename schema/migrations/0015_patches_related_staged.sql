-- 0015_patches_related_staged.sql: the last three parts of issue 12's
-- execute sequences, which change the job table and its view together.
--
-- 1. Several patches in one job, applied in one transaction (`enqueue
--    --action patch a.msp --patch b.msp`, msiexec's /update "a.msp;b.msp";
--    docs/packages.md, "Several patches in one job"). The job's target is
--    its first patch, whose metadata stays in the job's own columns
--    (0011); the further patches' paths travel in its PATCH property, in
--    order, and what was read from each at enqueue is a row of
--    job_more_patch: its code, the product codes it targets (separated by
--    semicolons, as in job.patch_targets, with the same CHECK) and its
--    display name. The dispatcher's skip rule asks the machine about every
--    one of them. A job whose further patches were not read (--no-check)
--    has none.
CREATE TABLE job_more_patch (
  job_id        INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  path          TEXT    NOT NULL,
  patch_code    TEXT    NOT NULL,
  patch_targets TEXT    NOT NULL
    CHECK (patch_targets NOT GLOB '*[^0-9A-Fa-f{};-]*'),
  display_name  TEXT,
  PRIMARY KEY (job_id, position)
) WITHOUT ROWID;

-- 2. Uninstalling every product of one family (`enqueue --action
--    uninstall --related {UPGRADE-CODE}`; docs/packages.md, "Removing
--    every product of an UpgradeCode"). related = 1 says that the job's
--    target is an UpgradeCode, not a ProductCode: right before it starts,
--    the products installed with that UpgradeCode are looked up
--    (MsiEnumRelatedProductsW) and the worker removes each. Only an
--    uninstall may be related (the CHECK, and the job model's rule). The
--    column is added in place, as in 0011.
ALTER TABLE job ADD COLUMN related INTEGER NOT NULL DEFAULT 0
  CHECK (related = 0 OR (related = 1 AND action = 'uninstall'));

-- 3. `enqueue --stage` copies a job's transforms and further patches too
--    (docs/packages.md, "Staged packages"). Each copy lies in the queue's
--    `staged` folder beside the package's copy; the job's TRANSFORMS or
--    PATCH property names the copies, and a row of job_staged_file keeps,
--    for each, where it came from and the SHA-256 of what was copied,
--    which the dispatcher checks before each start as it checks the
--    package's (job.package_sha256, 0006). Like the package's copy, a
--    file's copy is noted for deletion when its row goes (with its job, in
--    `purge`).
--
-- purge deletes the rows of both new tables with the job's others
-- (job_purge_set_delete.sql).
CREATE TABLE job_staged_file (
  job_id   INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  path     TEXT    NOT NULL,
  source   TEXT    NOT NULL,
  sha256   TEXT    NOT NULL
    CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  PRIMARY KEY (job_id, position)
) WITHOUT ROWID;

CREATE TRIGGER job_staged_file_note_removal AFTER DELETE ON job_staged_file
BEGIN
  INSERT OR IGNORE INTO staged_removal (path) VALUES (OLD.path);
END;

-- The view of 0012 with "related" after "target", "more_patches" in a
-- patch's "package" object (an array of {"path", "patch_code", "name",
-- "targets"}, empty for a job that applies one patch) and "files" in
-- "staged" (an array of {"path", "source", "sha256"}).
DROP VIEW job_json;
CREATE VIEW job_json (id, state, json) AS
SELECT j.id, j.state, json_object(
  'id', j.id,
  'state', j.state,
  'action', j.action,
  'target', j.target,
  'related', json(CASE j.related WHEN 1 THEN 'true' ELSE 'false' END),
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
  'log_mode', j.log_mode,
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
                                       'sha256', j.package_sha256,
                                       'files', json((
                                         SELECT json_group_array(json_object(
                                                  'path', f.path,
                                                  'source', f.source,
                                                  'sha256', f.sha256))
                                           FROM (SELECT path, source, sha256
                                                   FROM job_staged_file
                                                  WHERE job_id = j.id
                                                  ORDER BY position) AS f)))
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
                      'targets', json('["' || replace(j.patch_targets, ';', '","') || '"]'),
                      'more_patches', json((
                        SELECT json_group_array(json_object(
                                 'path', m.path,
                                 'patch_code', m.patch_code,
                                 'name', m.display_name,
                                 'targets', json('["' || replace(m.patch_targets, ';', '","') || '"]')))
                          FROM (SELECT path, patch_code, display_name, patch_targets
                                  FROM job_more_patch
                                 WHERE job_id = j.id ORDER BY position) AS m)))
                  END)
) FROM job AS j;
