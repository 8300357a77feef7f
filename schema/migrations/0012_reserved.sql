-- 0012_reserved.sql: a placeholder that does nothing. Number 12 belongs to
-- another branch's migration (0012_log_mode.sql), and migrations must be
-- numbered without gaps; delete this file when that one is merged.
SELECT 1;
