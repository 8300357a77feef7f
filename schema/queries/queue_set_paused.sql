-- ?4 = 1 when the pause is a reboot's (exit 1641), not an administrator's;
-- ?5 is then the machine's boot time, so a later dispatcher can tell that
-- the machine really rebooted.
UPDATE queue SET paused = ?1, pause_reason = ?2, paused_at = ?3,
                 reboot_initiated = ?4, paused_boot_time = ?5
 WHERE id = 1;
