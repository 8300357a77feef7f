-- 0014_unpatch.sql: removing a patch as a job action (`enqueue --action
-- unpatch --patch-code {PATCH} {PRODUCT}`, msiexec's /package {PRODUCT}
-- MSIPATCHREMOVE={PATCH}; docs/cli.md, "Actions").
--
-- The patch code travels as the job's MSIPATCHREMOVE property and the
-- product code as its target, so no column is added: only the job table's
-- action CHECK is widened, by the same in-place edit of the table's text
-- as 0013 (see its comment for why not a rebuild).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql,
                     'action = ''admin'' OR action = ''advertise'')',
                     'action = ''admin'' OR action = ''advertise'' OR' || char(10) ||
                     '                          action = ''unpatch'')')
 WHERE type = 'table' AND name = 'job';
-- This connection reads the schema again; the index below, made again as
-- it was, moves the schema cookie, so every other connection does too.
PRAGMA writable_schema = RESET;

-- The migration fails (and its transaction rolls back) unless the text was
-- found and rewritten.
CREATE TEMP TABLE migration_0014_check (rewritten INTEGER CHECK (rewritten = 1));
INSERT INTO migration_0014_check
SELECT instr(sql, 'action = ''unpatch''') > 0
  FROM sqlite_schema WHERE type = 'table' AND name = 'job';
DROP TABLE migration_0014_check;

DROP INDEX job_by_action;
CREATE INDEX job_by_action ON job (action, id);
