-- Compare-and-set: resume a queue that a 1641 paused, once the boot time
-- (?1) differs from the one recorded then by more than a minute. A boot time
-- the host could not read (0) proves nothing: the queue stays paused.
UPDATE queue SET paused = 0, pause_reason = NULL, paused_at = NULL,
                 reboot_initiated = 0, paused_boot_time = NULL
 WHERE id = 1 AND paused = 1 AND reboot_initiated = 1
   AND paused_boot_time IS NOT NULL AND ?1 > 0
   AND abs(?1 - paused_boot_time) > 60000;
