-- What the yearly complaints report needs: when a case was answered, and
-- whether a complaint is admissible and why not.
ALTER TABLE cases ADD COLUMN answered_at timestamptz;
ALTER TABLE cases ADD COLUMN admissible boolean;
ALTER TABLE cases ADD COLUMN inadmissible_reason text NOT NULL DEFAULT '';
CREATE INDEX cases_type_opened_idx ON cases (type, opened_at);
