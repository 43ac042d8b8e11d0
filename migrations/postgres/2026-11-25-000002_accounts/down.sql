DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE outbox_emails;
DROP TABLE one_time_tokens;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE users;
