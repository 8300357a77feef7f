UPDATE queue SET paused = ?1, pause_reason = ?2, paused_at = ?3 WHERE id = 1;
