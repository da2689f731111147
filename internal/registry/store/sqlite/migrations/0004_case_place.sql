-- Where a case is and what it is about, so that reports of different
-- people about the same thing can be related.
ALTER TABLE cases ADD COLUMN place TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN category TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_place_idx ON cases (domain, category, place, opened_at);
