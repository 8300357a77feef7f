SELECT paused, pause_reason, paused_at, reboot_initiated FROM queue WHERE id = 1;
