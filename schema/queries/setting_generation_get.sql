-- The count of setting changes (0010_settings.sql).
SELECT generation FROM setting_generation WHERE id = 1;
