-- The count of setting changes (0009_settings.sql).
SELECT generation FROM setting_generation WHERE id = 1;
