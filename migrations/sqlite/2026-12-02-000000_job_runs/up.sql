-- When each background job last started anywhere in the cluster: a node runs
-- a job only if it wins the conditional update of its row, so N nodes over
-- one database run each job once per interval.
CREATE TABLE job_runs (
    job TEXT PRIMARY KEY NOT NULL,
    started_at TIMESTAMP NOT NULL
);
