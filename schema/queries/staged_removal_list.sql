-- Staged copies of jobs that are gone, a batch at a time
-- (msiq_store_remove_staged_copies).
SELECT path FROM staged_removal ORDER BY path LIMIT ?1;
