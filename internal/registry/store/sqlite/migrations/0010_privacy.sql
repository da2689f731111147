-- Privacy (GDPR): the access log (who saw which personal data, when and
-- why), the record of erasures and retention purges (counts, never the
-- personal data itself), and the marks that make the retention purge run
-- once per case and message. The same as PostgreSQL's.

CREATE TABLE access_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL CHECK (actor <> ''),
    action TEXT NOT NULL CHECK (action <> ''), -- view_case, view_citizen, search, export, erase, purge, ...
    case_ref TEXT NOT NULL DEFAULT '',
    contact_id INTEGER, -- no foreign key: the log outlives an erased contact
    domain TEXT NOT NULL DEFAULT '', -- empty: belongs to no domain
    reason TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX access_log_domain_idx ON access_log (domain, id);
CREATE INDEX access_log_actor_idx ON access_log (actor, id);
CREATE INDEX access_log_at_idx ON access_log (at);
CREATE INDEX access_log_case_idx ON access_log (case_ref) WHERE case_ref <> '';
CREATE INDEX access_log_contact_idx ON access_log (contact_id) WHERE contact_id IS NOT NULL;

CREATE TABLE erasures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL, -- erase | purge
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    domain TEXT NOT NULL,
    contact_id INTEGER, -- erase: the contact erased (the row is gone)
    cutoff TEXT, -- purge: cases closed and messages without a case stored before it
    messages INTEGER NOT NULL DEFAULT 0,
    cases INTEGER NOT NULL DEFAULT 0,
    attachments INTEGER NOT NULL DEFAULT 0,
    blobs INTEGER NOT NULL DEFAULT 0,
    timeline_entries INTEGER NOT NULL DEFAULT 0,
    forwards INTEGER NOT NULL DEFAULT 0,
    mentions INTEGER NOT NULL DEFAULT 0,
    quarantined INTEGER NOT NULL DEFAULT 0,
    contacts INTEGER NOT NULL DEFAULT 0
) STRICT;

-- When the retention purge removed a closed case's personal data (a case
-- updated since is purged again); when erasure or the purge removed a
-- message's.
ALTER TABLE cases ADD COLUMN purged_at TEXT;
ALTER TABLE messages ADD COLUMN erased_at TEXT;
CREATE INDEX cases_retention_idx ON cases (domain, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX messages_unassigned_idx ON messages (domain, stored_at) WHERE case_id IS NULL;
