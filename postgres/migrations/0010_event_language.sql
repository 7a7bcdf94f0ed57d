-- An event names the language it is written in, as a BCP 47 tag: it sets
-- the lang and dir of its pages and the language of its feeds. Events made
-- before were all written in English. Mirrors
-- sqlite/migrations/0011_event_language.sql.

ALTER TABLE events ADD COLUMN language text NOT NULL DEFAULT 'en';
