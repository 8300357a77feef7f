INSERT INTO job_more_patch (job_id, position, path, patch_code, patch_targets,
                            display_name)
VALUES (?1, ?2, ?3, ?4, ?5, ?6);
