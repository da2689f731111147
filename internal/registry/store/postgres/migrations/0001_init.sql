-- The registry's schema: contacts, cases, messages, blobs, the case timeline
-- and quarantine. Names are unqualified: the schema is whatever search_path
-- names first. Never edit this file once released; add 0002_... instead.

CREATE TABLE departments (
    code text PRIMARY KEY,
    name text NOT NULL DEFAULT ''
);

CREATE TABLE contacts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain text NOT NULL,
    name text NOT NULL DEFAULT '',
    email text NOT NULL DEFAULT '',
    email_norm text NOT NULL DEFAULT '', -- store.NormalizeEmail(email)
    phone text NOT NULL DEFAULT '',
    phone_norm text NOT NULL DEFAULT '', -- store.NormalizePhone(phone)
    facebook_id text NOT NULL DEFAULT '',
    address text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX contacts_email_idx ON contacts (domain, email_norm);
CREATE INDEX contacts_phone_idx ON contacts (domain, phone_norm);
CREATE INDEX contacts_facebook_idx ON contacts (domain, facebook_id);

-- One row per reference prefix and year; last is the last number handed out.
CREATE TABLE case_counters (
    prefix text NOT NULL,
    year integer NOT NULL,
    last bigint NOT NULL,
    PRIMARY KEY (prefix, year)
);

CREATE TABLE cases (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref text NOT NULL UNIQUE,
    domain text NOT NULL,
    type text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'nieuw',
    department text NOT NULL DEFAULT '',
    assignee text NOT NULL DEFAULT '',
    subject text NOT NULL DEFAULT '',
    channel text NOT NULL DEFAULT '',
    contact_id bigint REFERENCES contacts (id) ON DELETE SET NULL,
    opened_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    ack_due timestamptz,
    answer_due timestamptz,
    closed_at timestamptz,
    repeat_count integer NOT NULL DEFAULT 0,
    related_case_id bigint REFERENCES cases (id) ON DELETE SET NULL,
    merged_into bigint REFERENCES cases (id) ON DELETE SET NULL
);
CREATE INDEX cases_domain_idx ON cases (domain, id);
CREATE INDEX cases_status_idx ON cases (status, id);
CREATE INDEX cases_contact_idx ON cases (contact_id);

CREATE TABLE messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL UNIQUE,
    case_id bigint REFERENCES cases (id) ON DELETE SET NULL,
    channel text NOT NULL,
    direction text NOT NULL DEFAULT '',
    inbox text NOT NULL DEFAULT '',
    domain text NOT NULL,
    external_id text NOT NULL DEFAULT '',
    in_reply_to text NOT NULL DEFAULT '',
    refs jsonb NOT NULL DEFAULT '[]', -- thread references, a JSON array of strings
    conversation_id text NOT NULL DEFAULT '',
    case_ref_hint text NOT NULL DEFAULT '',
    sender_name text NOT NULL DEFAULT '',
    sender_email text NOT NULL DEFAULT '',
    sender_phone text NOT NULL DEFAULT '',
    sender_facebook_id text NOT NULL DEFAULT '',
    sender_address text NOT NULL DEFAULT '',
    contact_id bigint REFERENCES contacts (id) ON DELETE SET NULL,
    subject text NOT NULL DEFAULT '',
    text text NOT NULL DEFAULT '',
    html text NOT NULL DEFAULT '',
    sent_at timestamptz,
    received_at timestamptz,
    event_time timestamptz NOT NULL,
    auto_submitted text NOT NULL DEFAULT '',
    parse_error text NOT NULL DEFAULT '',
    raw_sha256 text NOT NULL DEFAULT '',
    raw_content_type text NOT NULL DEFAULT '',
    raw_size bigint NOT NULL DEFAULT 0,
    event bytea NOT NULL, -- the event exactly as received
    stored_at timestamptz NOT NULL
);
CREATE INDEX messages_external_id_idx ON messages (domain, external_id);
CREATE INDEX messages_conversation_idx ON messages (domain, conversation_id);
CREATE INDEX messages_case_idx ON messages (case_id);
CREATE INDEX messages_contact_idx ON messages (contact_id);

CREATE TABLE attachments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position integer NOT NULL,
    name text NOT NULL DEFAULT '',
    content_type text NOT NULL DEFAULT '',
    size bigint NOT NULL DEFAULT 0,
    sha256 text NOT NULL, -- a blob; no foreign key: purging a blob keeps the record
    UNIQUE (message_id, position)
);
CREATE INDEX attachments_sha256_idx ON attachments (sha256);

CREATE TABLE blobs (
    sha256 text PRIMARY KEY,
    content_type text NOT NULL DEFAULT '',
    size bigint NOT NULL,
    data bytea NOT NULL,
    stored_at timestamptz NOT NULL
);

CREATE TABLE case_timeline (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at timestamptz NOT NULL,
    kind text NOT NULL,
    actor text NOT NULL DEFAULT '',
    message_id bigint REFERENCES messages (id) ON DELETE SET NULL,
    detail text NOT NULL DEFAULT ''
);
CREATE INDEX case_timeline_case_idx ON case_timeline (case_id, at, id);
CREATE INDEX case_timeline_message_idx ON case_timeline (message_id);

CREATE TABLE quarantine (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key text NOT NULL UNIQUE,
    subject text NOT NULL DEFAULT '',
    event_id text NOT NULL DEFAULT '',
    stream_seq bigint NOT NULL DEFAULT 0,
    deliveries integer NOT NULL DEFAULT 0,
    reason text NOT NULL DEFAULT '',
    payload bytea NOT NULL DEFAULT '',
    at timestamptz NOT NULL,
    resolved_at timestamptz
);
