-- The running dispatcher's window ("22:00-05:00"), or NULL when none runs.
UPDATE queue SET maintenance_window = ?1 WHERE id = 1;
