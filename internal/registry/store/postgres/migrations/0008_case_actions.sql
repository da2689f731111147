-- Staff actions: the registry's suggestion for a case, forwards to outside
-- organisations, and merges and splits (recorded so they can be undone).
ALTER TABLE cases ADD COLUMN suggestion text NOT NULL DEFAULT '';
CREATE INDEX cases_merged_into_idx ON cases (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE case_forwards (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    organisation text NOT NULL,
    question text NOT NULL DEFAULT '',
    expected_by timestamptz,
    actor text NOT NULL DEFAULT '',
    at timestamptz NOT NULL,
    answered_at timestamptz,
    answer text NOT NULL DEFAULT ''
);
CREATE INDEX case_forwards_case_idx ON case_forwards (case_id, id);
CREATE INDEX case_forwards_pending_idx ON case_forwards (expected_by) WHERE answered_at IS NULL;

CREATE TABLE case_moves (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL, -- merge | split
    from_case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    to_case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    message_ids bigint[] NOT NULL,
    prev_status text NOT NULL DEFAULT '', -- the source's status before a merge
    actor text NOT NULL DEFAULT '',
    at timestamptz NOT NULL,
    undone_at timestamptz,
    undone_by text NOT NULL DEFAULT ''
);
CREATE INDEX case_moves_from_idx ON case_moves (from_case_id);
CREATE INDEX case_moves_to_idx ON case_moves (to_case_id);
