SELECT paused, pause_reason, paused_at, reboot_initiated, maintenance_window,
       paused_boot_time, hold_on_pending_reboot
  FROM queue WHERE id = 1;
