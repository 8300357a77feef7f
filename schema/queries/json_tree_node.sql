-- Every node of a JSON document, parsed once, in document order (json_tree
-- walks it depth first; each node comes after its parent): its parent's id
-- (NULL for the root), its own id, key (the member's name, or the index of
-- an array item), value and type. The value is the atom: the SQL value of a
-- string, number, true/false (1/0) or null, and NULL for an array or
-- object, whose members follow as nodes of their own (no text is rendered
-- for them, nor parsed again).
-- json_tree gives an integer that does not fit in 64 bits as a real
-- (9223372036854775808 as 9.22337203685478e+18, whose text reads as 9):
-- such an integer's value is its own text, taken from the document, so
-- that the reader refuses it as out of range instead of wrapping it.
SELECT parent,
       id,
       key,
       CASE
         WHEN type = 'integer' AND typeof(atom) <> 'integer'
           THEN ?1 -> fullkey
         ELSE atom
       END,
       type
  FROM json_tree(?1);
