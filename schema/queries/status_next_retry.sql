SELECT min(retry_at) FROM job WHERE state = 'retrying';
