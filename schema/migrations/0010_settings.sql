-- 0010_settings.sql: the dispatcher's settings stored in the queue
-- (`msiq config get|set|unset|show`), read by `msiq run` and the Windows
-- service at start and again whenever they change, so an administrator
-- changes the maintenance window of a running service without restarting
-- it.
--
-- A setting is stored as the canonical text of the `msiq run` option of the
-- same name ("window" = "22:00-05:00", "poll" = "90s"); the CLI validates a
-- value with that option's parser before it is stored, and a setting
-- without a row has the dispatcher's default.

CREATE TABLE setting (
  name       TEXT    PRIMARY KEY,
  value      TEXT    NOT NULL,
  changed_at INTEGER NOT NULL
) WITHOUT ROWID;

-- One row counting changes of `setting`. The dispatcher reads it when the
-- database changed (PRAGMA data_version) and re-reads the settings only when
-- the count moved: one row read instead of a table on every commit.
-- Triggers keep it, so any writer (the CLI, a tool writing the database
-- directly) moves it.
CREATE TABLE setting_generation (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  generation INTEGER NOT NULL
);
INSERT INTO setting_generation (id, generation) VALUES (1, 0);

CREATE TRIGGER setting_generation_insert AFTER INSERT ON setting
BEGIN
  UPDATE setting_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER setting_generation_update AFTER UPDATE ON setting
BEGIN
  UPDATE setting_generation SET generation = generation + 1 WHERE id = 1;
END;

CREATE TRIGGER setting_generation_delete AFTER DELETE ON setting
BEGIN
  UPDATE setting_generation SET generation = generation + 1 WHERE id = 1;
END;
