-- The members of a JSON array or object, in document order: key (NULL for
-- array items), value (JSON text for nested arrays and objects) and type.
-- json_each yields the members in the order it walks the document, which is
-- document order (its id column rises with it); an ORDER BY id would sort
-- what is already sorted, in a temporary b-tree for every object read.
-- tests/test_store.c checks the order of many members.
-- json_each gives an integer that does not fit in 64 bits as a real
-- (9223372036854775808 as 9.22337203685478e+18, whose text reads as 9):
-- such an integer's value is its own text, taken from the document, so
-- that the reader refuses it as out of range instead of wrapping it.
SELECT key,
       CASE
         WHEN type = 'integer' AND typeof(value) <> 'integer'
           THEN ?1 -> fullkey
         ELSE value
       END,
       type
  FROM json_each(?1);
