-- Whether msiq_store_fail_unrunnable has anything to do: a waiting job past
-- its deadline, or a broken dependency on the work list. Nearly every check
-- has nothing to do, and this read answers that without the write lock, a
-- commit, or the temporary tables SQLite fills for UPDATE ... RETURNING.
SELECT EXISTS (SELECT 1 FROM dependency_broken)
    OR EXISTS (SELECT 1 FROM job INDEXED BY job_deadline
                WHERE deadline IS NOT NULL
                  AND (state = 'queued' OR state = 'retrying')
                  AND deadline < ?1);
