-- A job's live progress (`status`, `list`, `wait --progress`): one row for
-- a job that exists. The first column says whether there is any to show,
-- by the rule of the job_json view (migration 0004): the job runs and its
-- worker has reported; the others are the reported percentage and action
-- (either may be NULL) and when the dispatcher received them (UTC ms).
SELECT state = 'running' AND progress_at IS NOT NULL,
       progress_percent, progress_action, progress_at
  FROM job WHERE id = ?1;
