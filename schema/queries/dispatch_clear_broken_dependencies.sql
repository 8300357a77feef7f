-- The broken-dependency check has failed every dependent of the jobs on its
-- work list (dispatch_fail_broken_dependencies.sql changed nothing more in
-- this transaction): the list is done.
DELETE FROM dependency_broken;
