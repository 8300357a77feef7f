-- `msiq config set NAME VALUE`: ?1 name, ?2 canonical value, ?3 now (UTC ms).
-- An unchanged value writes nothing, so the generation (and the dispatchers
-- re-reading it) only move for a real change.
INSERT INTO setting (name, value, changed_at) VALUES (?1, ?2, ?3)
ON CONFLICT (name) DO UPDATE SET value = excluded.value,
                                 changed_at = excluded.changed_at
 WHERE value IS NOT excluded.value;
