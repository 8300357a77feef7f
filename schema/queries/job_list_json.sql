-- `list --json`: the JSON object of every job (the job_json view), one row
-- each in id order; msiq_store_list_json_rows writes the array around them
-- as the rows come, so no list of all jobs is held in memory.
SELECT json FROM job_json ORDER BY id;
