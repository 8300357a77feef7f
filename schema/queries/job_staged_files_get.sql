SELECT path, source, sha256
  FROM job_staged_file WHERE job_id = ?1 ORDER BY position;
