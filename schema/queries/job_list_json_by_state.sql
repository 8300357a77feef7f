-- `list --json --state S`: as job_list_json.sql for the jobs in state ?1,
-- through job_by_state (see job_list_by_state.sql).
SELECT json FROM job_json WHERE state = ?1 ORDER BY id;
