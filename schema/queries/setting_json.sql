-- `msiq config show --json`: the stored settings as one object, by name.
SELECT json_group_object(name, value)
  FROM (SELECT name, value FROM setting ORDER BY name);
