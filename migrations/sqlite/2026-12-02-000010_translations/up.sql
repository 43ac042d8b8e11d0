-- Translations of the texts people read (issue 15): one row per text, language and subject.
-- The German original stays in its own table; `source_hash` is the hash of the original the
-- translation was written for (or confirmed against), so a changed original shows its
-- translations as outdated without anyone having to remember to mark them. Subjects are
-- named, not referenced by a foreign key (they live in several tables); each slice removes the
-- translations of what it deletes. Who wrote a translation is in the audit log, not here.
CREATE TABLE translations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 40),
    subject_id BIGINT NOT NULL,
    field TEXT NOT NULL CHECK (length(field) BETWEEN 1 AND 40),
    language TEXT NOT NULL CHECK (length(language) BETWEEN 2 AND 35 AND language = lower(language)),
    body TEXT NOT NULL,
    source_hash TEXT NOT NULL CHECK (length(source_hash) <= 64),
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (subject, subject_id, language, field)
);
CREATE INDEX translations_by_language ON translations (language, subject, subject_id);
