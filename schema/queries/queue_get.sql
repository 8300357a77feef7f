SELECT paused, pause_reason, paused_at FROM queue WHERE id = 1;
