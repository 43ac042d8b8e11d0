DROP INDEX outbox_emails_by_sent;
DROP INDEX sessions_by_expiry;
DROP INDEX one_time_tokens_by_expiry;
DROP TABLE maintenance_runs;
DROP TABLE erasures;
DROP TABLE consents;
ALTER TABLE users DROP COLUMN privacy_version;
