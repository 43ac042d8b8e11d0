DROP INDEX ballots_assisted;
ALTER TABLE ballots DROP COLUMN assisted_contact;
ALTER TABLE ballots DROP COLUMN assisted_name;
ALTER TABLE ballots DROP COLUMN assisted_by;
DROP INDEX contributions_assisted;
ALTER TABLE contributions DROP COLUMN assisted_contact;
ALTER TABLE contributions DROP COLUMN assisted_name;
ALTER TABLE contributions DROP COLUMN assisted_by;
ALTER TABLE contributions DROP COLUMN language;
UPDATE users SET role = 'participant' WHERE role = 'facilitator';
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('participant', 'moderator', 'admin'));
