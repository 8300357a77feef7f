-- The running dispatcher's settings that `status` shows: its window
-- ("22:00-05:00", or NULL) and whether it holds jobs while a reboot is
-- pending. Cleared when it stops.
UPDATE queue SET maintenance_window = ?1, hold_on_pending_reboot = ?2
 WHERE id = 1;
