DROP TABLE statement_responses;
DROP TABLE statement_attachments;
DROP TABLE statement_counters;
DROP TABLE statements;
