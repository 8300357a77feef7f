-- 0002_batch_patching.sql: what `status` needs to know about the running
-- dispatcher's batch-patching settings, and reboot bookkeeping.

-- The maintenance window of the dispatcher that runs now ("22:00-05:00",
-- local time), written when it starts and cleared when it stops, so that
-- `msiq status` can say when the window opens next.
ALTER TABLE queue ADD COLUMN maintenance_window TEXT;

-- When an installer answered 1641 (reboot initiated), the machine's boot
-- time then (UTC ms). A later dispatcher that sees a different boot time
-- knows the machine really rebooted and resumes the queue by itself.
ALTER TABLE queue ADD COLUMN paused_boot_time INTEGER;

-- Whether the running dispatcher holds jobs while a reboot is pending
-- (run --hold-on-pending-reboot), so `status` can tell whether a pending
-- reboot closes the gate.
ALTER TABLE queue ADD COLUMN hold_on_pending_reboot INTEGER NOT NULL DEFAULT 0;
