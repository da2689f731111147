-- The registry's schema: contacts, cases, messages, blobs, the case timeline
-- and quarantine. The same as PostgreSQL's, in SQLite types: times are TEXT in
-- UTC with microseconds, fixed width so they sort as text
-- (2026-12-04T09:15:00.123456Z); JSON is TEXT. Never edit this file once
-- released; add 0002_... instead.

CREATE TABLE departments (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    email_norm TEXT NOT NULL DEFAULT '', -- store.NormalizeEmail(email)
    phone TEXT NOT NULL DEFAULT '',
    phone_norm TEXT NOT NULL DEFAULT '', -- store.NormalizePhone(phone)
    facebook_id TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX contacts_email_idx ON contacts (domain, email_norm);
CREATE INDEX contacts_phone_idx ON contacts (domain, phone_norm);
CREATE INDEX contacts_facebook_idx ON contacts (domain, facebook_id);

-- One row per reference prefix and year; last is the last number handed out.
CREATE TABLE case_counters (
    prefix TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
) STRICT;

CREATE TABLE cases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref TEXT NOT NULL UNIQUE,
    domain TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'nieuw',
    department TEXT NOT NULL DEFAULT '',
    assignee TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT '',
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    opened_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ack_due TEXT,
    answer_due TEXT,
    closed_at TEXT,
    repeat_count INTEGER NOT NULL DEFAULT 0,
    related_case_id INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    merged_into INTEGER REFERENCES cases (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX cases_domain_idx ON cases (domain, id);
CREATE INDEX cases_status_idx ON cases (status, id);
CREATE INDEX cases_contact_idx ON cases (contact_id);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    case_id INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    channel TEXT NOT NULL,
    direction TEXT NOT NULL DEFAULT '',
    inbox TEXT NOT NULL DEFAULT '',
    domain TEXT NOT NULL,
    external_id TEXT NOT NULL DEFAULT '',
    in_reply_to TEXT NOT NULL DEFAULT '',
    refs TEXT NOT NULL DEFAULT '[]', -- thread references, a JSON array of strings
    conversation_id TEXT NOT NULL DEFAULT '',
    case_ref_hint TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '',
    sender_email TEXT NOT NULL DEFAULT '',
    sender_phone TEXT NOT NULL DEFAULT '',
    sender_facebook_id TEXT NOT NULL DEFAULT '',
    sender_address TEXT NOT NULL DEFAULT '',
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    subject TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    html TEXT NOT NULL DEFAULT '',
    sent_at TEXT,
    received_at TEXT,
    event_time TEXT NOT NULL,
    auto_submitted TEXT NOT NULL DEFAULT '',
    parse_error TEXT NOT NULL DEFAULT '',
    raw_sha256 TEXT NOT NULL DEFAULT '',
    raw_content_type TEXT NOT NULL DEFAULT '',
    raw_size INTEGER NOT NULL DEFAULT 0,
    event BLOB NOT NULL, -- the event exactly as received
    stored_at TEXT NOT NULL
) STRICT;
CREATE INDEX messages_external_id_idx ON messages (domain, external_id);
CREATE INDEX messages_conversation_idx ON messages (domain, conversation_id);
CREATE INDEX messages_case_idx ON messages (case_id);
CREATE INDEX messages_contact_idx ON messages (contact_id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL, -- a blob; no foreign key: purging a blob keeps the record
    UNIQUE (message_id, position)
) STRICT;
CREATE INDEX attachments_sha256_idx ON attachments (sha256);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    content_type TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    stored_at TEXT NOT NULL
) STRICT;

CREATE TABLE case_timeline (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL DEFAULT '',
    message_id INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    detail TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX case_timeline_case_idx ON case_timeline (case_id, at, id);
CREATE INDEX case_timeline_message_idx ON case_timeline (message_id);

CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL DEFAULT '',
    event_id TEXT NOT NULL DEFAULT '',
    stream_seq INTEGER NOT NULL DEFAULT 0,
    deliveries INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    payload BLOB NOT NULL DEFAULT x'',
    at TEXT NOT NULL,
    resolved_at TEXT
) STRICT;
