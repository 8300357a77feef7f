-- 0005_attempt_progress.sql: how far each attempt got (docs/engine.md,
-- "Attempt progress").
--
-- The job's progress columns of 0004 hold the running attempt's bar and are
-- cleared when it ends, so once an attempt ended nothing said whether it
-- had stopped at 37 % or at 100 %. The attempt now keeps the last progress
-- its worker reported: the dispatcher writes it in the transaction that
-- closes the attempt, and crash recovery copies what the job had before the
-- trigger of 0004 clears it.
--
-- As in 0004 every change adds a column that may be NULL, which ALTER TABLE
-- does in place: no row moves. NULL in all three means the attempt reported
-- no progress (a stand-in that speaks no worker protocol, a worker that
-- ended before its call, an attempt that never started, an attempt made
-- before this version). The job_json view is not touched: the history that
-- `msiq show --json` adds to it is built by schema/queries/job_json_get.sql.
--
-- The percentage (0..100) of the last report, or NULL when the worker
-- named only an action.
ALTER TABLE attempt ADD COLUMN progress_percent INTEGER
  CHECK (progress_percent >= 0 AND progress_percent <= 100);
-- The action of the last report ("InstallFiles: Copying new files"), or
-- NULL when the worker sent only percentages.
ALTER TABLE attempt ADD COLUMN progress_action TEXT;
-- When the dispatcher received that report (UTC ms); set whenever the
-- attempt has any progress.
ALTER TABLE attempt ADD COLUMN progress_at INTEGER;
