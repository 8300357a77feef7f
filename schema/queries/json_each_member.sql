-- The members of a JSON array or object, in document order: key (NULL for
-- array items), value (JSON text for nested arrays and objects) and type.
SELECT key, value, type FROM json_each(?1) ORDER BY id;
