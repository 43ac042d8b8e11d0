DROP TABLE moderation_decisions;
DROP TABLE contribution_flags;
DROP TABLE support_events;
DROP TABLE contribution_supports;
DROP TABLE contribution_revisions;
DROP TABLE contributions;
