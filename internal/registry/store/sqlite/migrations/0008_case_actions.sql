-- Staff actions: the registry's suggestion for a case, forwards to outside
-- organisations, and merges and splits (recorded so they can be undone).
ALTER TABLE cases ADD COLUMN suggestion TEXT NOT NULL DEFAULT '';
CREATE INDEX cases_merged_into_idx ON cases (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE case_forwards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    organisation TEXT NOT NULL,
    question TEXT NOT NULL DEFAULT '',
    expected_by TEXT,
    actor TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    answered_at TEXT,
    answer TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_forwards_case_idx ON case_forwards (case_id, id);
CREATE INDEX case_forwards_pending_idx ON case_forwards (expected_by) WHERE answered_at IS NULL;

CREATE TABLE case_moves (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL, -- merge | split
    from_case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    to_case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    message_ids TEXT NOT NULL, -- a JSON array of message ids
    prev_status TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    undone_at TEXT,
    undone_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_moves_from_idx ON case_moves (from_case_id);
CREATE INDEX case_moves_to_idx ON case_moves (to_case_id);
