SELECT path, patch_code, patch_targets, display_name
  FROM job_more_patch WHERE job_id = ?1 ORDER BY position;
