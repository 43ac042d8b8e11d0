-- Back to 'de' and 'en' only: English variants become 'en', every other choice 'de' (the
-- language their mails were written in).
ALTER TABLE users DROP CONSTRAINT users_preferred_language_check;
UPDATE users SET preferred_language =
    CASE WHEN preferred_language = 'en' OR preferred_language LIKE 'en-%' THEN 'en' ELSE 'de' END;
ALTER TABLE users ADD CONSTRAINT users_preferred_language_check
    CHECK (preferred_language IN ('de', 'en'));
