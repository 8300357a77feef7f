-- The broken-dependency check has failed every dependent of the jobs on its
-- work list (dispatch_fail_broken_dependencies.sql changed nothing more in
-- this transaction): the list is done.
-- The WHERE clause is there on purpose: a bare DELETE FROM clears the table
-- even when it is empty, which dirties a page, so every check would end in
-- a WAL write and an fsync. Row by row, an empty list writes nothing.
DELETE FROM dependency_broken WHERE after_id IS NOT NULL;
