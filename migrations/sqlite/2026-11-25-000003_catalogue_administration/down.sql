DROP TABLE measure_status_history;
ALTER TABLE priority_goals DROP COLUMN version;
ALTER TABLE priority_goals DROP COLUMN retired_at;
ALTER TABLE vision_statements DROP COLUMN version;
ALTER TABLE vision_statements DROP COLUMN retired_at;
ALTER TABLE measures DROP COLUMN version;
ALTER TABLE measures DROP COLUMN retired_at;
ALTER TABLE fields DROP COLUMN version;
ALTER TABLE fields DROP COLUMN retired_at;
