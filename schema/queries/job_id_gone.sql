-- Whether id was given to a job of this queue (at or below the largest id
-- ever given: job_id_high_water, 0009_purged_jobs.sql, or the table's own)
-- and no job has it now: a purged (or otherwise deleted) job's id, whose
-- default log `purge` may delete.
SELECT ?1 <= max(coalesce((SELECT id FROM job_id_high_water WHERE only = 1), 0),
                 coalesce((SELECT max(id) FROM job), 0))
   AND NOT EXISTS (SELECT 1 FROM job WHERE id = ?1);
