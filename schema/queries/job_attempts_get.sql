-- A job's attempts, oldest first, each with how far it got: the progress
-- the attempt kept when it ended, or for the attempt that runs now the
-- job's live progress (migrations 0004 and 0005).
SELECT a.number, a.started_at, a.finished_at, a.exit_code, a.outcome, a.message,
       CASE WHEN a.outcome IS NULL THEN j.progress_percent ELSE a.progress_percent END,
       CASE WHEN a.outcome IS NULL THEN j.progress_action ELSE a.progress_action END,
       CASE WHEN a.outcome IS NULL THEN j.progress_at ELSE a.progress_at END
  FROM attempt AS a JOIN job AS j ON j.id = a.job_id
 WHERE a.job_id = ?1 ORDER BY a.number;
