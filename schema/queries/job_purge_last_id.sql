-- Where `purge` stops: the highest job id when it starts. A job added later
-- has a higher id and has not finished before the purge's limit.
SELECT coalesce(max(id), 0) FROM job;
