-- `msiq config unset NAME`: the setting goes back to the dispatcher's default.
DELETE FROM setting WHERE name = ?1;
