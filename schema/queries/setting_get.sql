-- One stored setting's value by name.
SELECT value FROM setting WHERE name = ?1;
