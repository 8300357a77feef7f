-- `msiq pause --json` and `msiq resume --json`.
SELECT json_object(
  'paused', json(CASE paused WHEN 1 THEN 'true' ELSE 'false' END),
  'pause_reason', pause_reason,
  'paused_at', strftime('%Y-%m-%dT%H:%M:%SZ', paused_at / 1000, 'unixepoch'),
  'reboot_initiated', json(CASE reboot_initiated WHEN 1 THEN 'true' ELSE 'false' END),
  'maintenance_window', maintenance_window)
FROM queue WHERE id = 1;
