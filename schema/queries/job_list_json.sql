SELECT json_group_array(json(l.json))
  FROM (SELECT json FROM job_json WHERE ?1 IS NULL OR state = ?1 ORDER BY id) AS l;
