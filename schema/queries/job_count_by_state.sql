-- The counts kept by the state_counts migration: six rows, whatever the
-- history holds.
SELECT state, count FROM job_state_count;
