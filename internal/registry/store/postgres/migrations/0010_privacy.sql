-- Privacy (GDPR): the access log (who saw which personal data, when and
-- why), the record of erasures and retention purges (counts, never the
-- personal data itself), and the marks that make the retention purge run
-- once per case and message.

CREATE TABLE access_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
    actor text NOT NULL CHECK (actor <> ''),
    action text NOT NULL CHECK (action <> ''), -- view_case, view_citizen, search, export, erase, purge, ...
    case_ref text NOT NULL DEFAULT '',
    contact_id bigint, -- no foreign key: the log outlives an erased contact
    domain text NOT NULL DEFAULT '', -- empty: belongs to no domain
    reason text NOT NULL DEFAULT '',
    detail text NOT NULL DEFAULT ''
);
CREATE INDEX access_log_domain_idx ON access_log (domain, id);
CREATE INDEX access_log_actor_idx ON access_log (actor, id);
CREATE INDEX access_log_at_idx ON access_log (at);
CREATE INDEX access_log_case_idx ON access_log (case_ref) WHERE case_ref <> '';
CREATE INDEX access_log_contact_idx ON access_log (contact_id) WHERE contact_id IS NOT NULL;

CREATE TABLE erasures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL, -- erase | purge
    at timestamptz NOT NULL,
    actor text NOT NULL,
    reason text NOT NULL DEFAULT '',
    domain text NOT NULL,
    contact_id bigint, -- erase: the contact erased (the row is gone)
    cutoff timestamptz, -- purge: cases closed and messages without a case stored before it
    messages bigint NOT NULL DEFAULT 0,
    cases bigint NOT NULL DEFAULT 0,
    attachments bigint NOT NULL DEFAULT 0,
    blobs bigint NOT NULL DEFAULT 0,
    timeline_entries bigint NOT NULL DEFAULT 0,
    forwards bigint NOT NULL DEFAULT 0,
    mentions bigint NOT NULL DEFAULT 0,
    quarantined bigint NOT NULL DEFAULT 0,
    contacts bigint NOT NULL DEFAULT 0
);

-- When the retention purge removed a closed case's personal data (a case
-- updated since is purged again); when erasure or the purge removed a
-- message's.
ALTER TABLE cases ADD COLUMN purged_at timestamptz;
ALTER TABLE messages ADD COLUMN erased_at timestamptz;
CREATE INDEX cases_retention_idx ON cases (domain, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX messages_unassigned_idx ON messages (domain, stored_at) WHERE case_id IS NULL;
