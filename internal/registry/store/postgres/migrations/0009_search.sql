-- Search (store.Search): full text over messages — subject, text, sender,
-- the case's reference and the attachments' names — with the Dutch
-- configuration, and over contacts — name, e-mail, phone, Facebook id.
--
-- Computing a message's words costs about as much PostgreSQL time as the
-- rest of registering it (docs/benchmarks.md), so registering does not wait
-- for it: triggers only queue the ids of what changed, and the store indexes
-- the queue before it searches (UpdateSearchIndex, store/postgres/search.go).
-- What is here already is indexed at once, below.

-- search_fold removes the accents of Latin letters (café, crèche, Çelik), so
-- that words match whether they are typed with accents or not. translate()
-- is slow on long text, so only text with such a letter goes through it.
CREATE FUNCTION search_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN CASE WHEN t ~ '[À-ÿŠšŽžŸ]'
        THEN translate(t, 'ÀÁÂÃÄÅàáâãäåÈÉÊËèéêëÌÍÎÏìíîïÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŸÇçÑñŠšŽž',
                          'AAAAAAaaaaaaEEEEeeeeIIIIiiiiOOOOOOooooooUUUUuuuuYyyYCcNnSsZz')
        ELSE t END;

-- search_phone is a phone number as words: its digits (store.NormalizePhone)
-- and, for a Belgian number, the other form: national (0...) for an
-- international one (32...) and the other way round.
CREATE FUNCTION search_phone(p text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (SELECT CASE WHEN d LIKE '32_%' THEN d || ' 0' || substr(d, 3)
                        WHEN d LIKE '0_%' THEN d || ' 32' || substr(d, 2)
                        ELSE d END
            FROM (SELECT regexp_replace(regexp_replace(p, '[^0-9]', '', 'g'), '^00', '') AS d) AS n);

-- search_email is an address as words: whole, and its parts.
CREATE FUNCTION search_email(e text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN e || ' ' || translate(e, '@.-_+', '     ');

-- message_search_doc is what a message is found by. Weights rank the
-- matches: subject and reference A, sender B, attachment names C, text D.
-- The text counts up to 100,000 characters (a tsvector holds at most 1 MB).
-- Lexemes no text can produce ('§' is no letter) carry the domain, the
-- channel and the month (UTC) of the event time: the GIN index then keeps
-- other domains' and channels' matches out, and finds the matches of a few
-- months without reading the others (store/postgres/search.go).
CREATE FUNCTION message_search_doc(subject text, body text, sender_name text, sender_email text,
        sender_phone text, ref text, names text, domain text, channel text, event_time timestamptz) RETURNS tsvector
    LANGUAGE sql STABLE PARALLEL SAFE -- to_char
    RETURN setweight(to_tsvector('dutch', search_fold(coalesce(subject, ''))), 'A')
        || setweight(to_tsvector('dutch', coalesce(ref, '')), 'A')
        || setweight(to_tsvector('dutch', search_fold(coalesce(sender_name, '') || ' '
            || search_email(coalesce(sender_email, '')) || ' ' || search_phone(coalesce(sender_phone, '')))), 'B')
        || setweight(to_tsvector('dutch', search_fold(coalesce(names, '') || ' '
            || translate(coalesce(names, ''), '._-', '   '))), 'C')
        || to_tsvector('dutch', search_fold(left(coalesce(body, ''), 100000)))
        || array_to_tsvector(ARRAY['§d:' || domain, '§c:' || channel, '§m:' || to_char(event_time AT TIME ZONE 'UTC', 'YYYYMM')]);

-- contact_search_doc is what a contact is found by: its words as written
-- ('simple': no stemming, names are not Dutch words), accents removed, and
-- hyphens made spaces (the parser reads "fb-4711" as "fb" and -4711).
CREATE FUNCTION contact_search_doc(name text, email text, phone text, facebook_id text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN to_tsvector('simple', translate(search_fold(coalesce(name, '') || ' ' || search_email(coalesce(email, ''))
        || ' ' || search_phone(coalesce(phone, '')) || ' ' || coalesce(facebook_id, '')), '-', ' '));

-- The index: one row per message, with what searches filter on.
CREATE TABLE message_search (
    message_id bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    domain text NOT NULL,
    channel text NOT NULL,
    event_time timestamptz NOT NULL,
    case_id bigint, -- messages.case_id when indexed; the queue keeps it in step
    doc tsvector NOT NULL
);

CREATE TABLE contact_search (
    contact_id bigint PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    domain text NOT NULL,
    doc tsvector NOT NULL
);

-- The queues: ids of messages and contacts to index (again). No index and no
-- key: adding to them must cost registering next to nothing; the indexer
-- takes rows by ctid and indexes each id once.
CREATE TABLE message_search_queue (message_id bigint NOT NULL);
CREATE TABLE contact_search_queue (contact_id bigint NOT NULL);

-- Statement triggers with transition tables: one INSERT per COPY or
-- statement, whatever the number of rows.
CREATE FUNCTION message_search_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_search_queue (message_id) SELECT id FROM changed_rows;
    RETURN NULL;
END $$;
CREATE FUNCTION attachment_search_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_search_queue (message_id) SELECT DISTINCT message_id FROM changed_rows;
    RETURN NULL;
END $$;
CREATE FUNCTION contact_search_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contact_search_queue (contact_id) SELECT id FROM changed_rows;
    RETURN NULL;
END $$;
-- A row trigger for the rare updates of what a message is found by: moving
-- it to another case (merge, split), erasing personal data.
CREATE FUNCTION message_search_enqueue_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO message_search_queue (message_id) VALUES (NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION message_search_enqueue();
CREATE TRIGGER messages_search_update AFTER UPDATE OF case_id, subject, text, sender_name, sender_email, sender_phone ON messages
    FOR EACH ROW WHEN (OLD.case_id IS DISTINCT FROM NEW.case_id OR OLD.subject <> NEW.subject OR OLD.text <> NEW.text
        OR OLD.sender_name <> NEW.sender_name OR OLD.sender_email <> NEW.sender_email OR OLD.sender_phone <> NEW.sender_phone)
    EXECUTE FUNCTION message_search_enqueue_row();
CREATE TRIGGER attachments_search_insert AFTER INSERT ON attachments
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION attachment_search_enqueue();
CREATE TRIGGER attachments_search_update AFTER UPDATE ON attachments
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION attachment_search_enqueue();
CREATE TRIGGER attachments_search_delete AFTER DELETE ON attachments
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION attachment_search_enqueue();
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_search_enqueue();
CREATE TRIGGER contacts_search_update AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_search_enqueue();

-- Index what is stored already, then build the indexes (faster than
-- updating them row by row).
SET LOCAL maintenance_work_mem = '256MB';
INSERT INTO message_search (message_id, domain, channel, event_time, case_id, doc)
SELECT m.id, m.domain, m.channel, m.event_time, m.case_id,
    message_search_doc(m.subject, m.text, m.sender_name, m.sender_email, m.sender_phone, c.ref,
        (SELECT string_agg(a.name, ' ' ORDER BY a.position) FROM attachments a WHERE a.message_id = m.id),
        m.domain, m.channel, m.event_time)
FROM messages m LEFT JOIN cases c ON c.id = m.case_id;
INSERT INTO contact_search (contact_id, domain, doc)
SELECT id, domain, contact_search_doc(name, email, phone, facebook_id) FROM contacts;

CREATE INDEX message_search_doc_idx ON message_search USING gin (doc);
-- Listing without words, newest first.
CREATE INDEX message_search_time_idx ON message_search (event_time, message_id);
CREATE INDEX contact_search_doc_idx ON contact_search USING gin (doc);
-- Statistics for the planner now, not when autovacuum gets to it.
ANALYZE message_search;
ANALYZE contact_search;
