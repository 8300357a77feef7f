-- ?4 = 1 when the pause is a reboot's (exit 1641), not an administrator's.
UPDATE queue SET paused = ?1, pause_reason = ?2, paused_at = ?3,
                 reboot_initiated = ?4
 WHERE id = 1;
