SELECT j.id, j.target, a.started_at, a.number FROM job AS j
  JOIN attempt AS a ON a.job_id = j.id AND a.outcome IS NULL
 WHERE j.state = 'running'
 ORDER BY j.id LIMIT 1;
