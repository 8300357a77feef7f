-- 0013_sequences.sql: the administrative and advertise sequences as job
-- actions (`enqueue --action admin|advertise`, msiexec's /a and /jm;
-- docs/cli.md, "Actions").
--
-- The job table's CHECK lists the actions. SQLite cannot alter a CHECK in
-- place, and a rebuild as in 0003 would have to name every column the
-- table has by now (other migrations add theirs). Widening a CHECK changes
-- nothing that is stored, which is the case SQLite documents for editing
-- the table's text in sqlite_schema instead
-- (https://sqlite.org/lang_altertable.html, "making other kinds of table
-- schema changes", the simpler procedure): the one constraint is rewritten,
-- every other column and every row stay as they are.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql,
                     'action = ''patch'' OR action = ''repair'')',
                     'action = ''patch'' OR action = ''repair'' OR' || char(10) ||
                     '                          action = ''admin'' OR action = ''advertise'')')
 WHERE type = 'table' AND name = 'job';
-- This connection reads the schema again; the index below, made again as
-- it was, moves the schema cookie, so every other connection does too.
PRAGMA writable_schema = RESET;

-- The migration fails (and its transaction rolls back) unless the text was
-- found and rewritten.
CREATE TEMP TABLE migration_0013_check (rewritten INTEGER CHECK (rewritten = 1));
INSERT INTO migration_0013_check
SELECT instr(sql, 'action = ''advertise''') > 0
  FROM sqlite_schema WHERE type = 'table' AND name = 'job';
DROP TABLE migration_0013_check;

DROP INDEX job_by_action;
CREATE INDEX job_by_action ON job (action, id);
