-- A person may choose any language (a BCP 47 tag such as 'tr' or 'en-gb', stored lower-case),
-- not only 'de' and 'en': mails are written in German or English, other choices read German.
ALTER TABLE users DROP CONSTRAINT users_preferred_language_check;
ALTER TABLE users ADD CONSTRAINT users_preferred_language_check
    CHECK (length(preferred_language) BETWEEN 2 AND 35 AND preferred_language = lower(preferred_language));
