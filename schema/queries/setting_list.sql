-- Every stored setting, for the dispatcher and `msiq config show`.
SELECT name, value FROM setting ORDER BY name;
