-- Search (store.Search): FTS5 indexes over messages — subject, text,
-- sender, the case's reference and the attachments' names — and over
-- contacts — name, e-mail, phone, Facebook id. unicode61 with
-- remove_diacritics 2 ignores case and accents; SQLite has no Dutch
-- stemmer, so the store looks words up by their stem as a prefix
-- (store/sqlite/search.go).
--
-- The indexes have external content: they keep only the words, and read
-- the text they show in snippets from the views below. Triggers keep them in
-- step. An FTS5 'delete' must be given exactly the values that were
-- indexed, so every change removes a row's words before it (BEFORE
-- triggers, reading the views as they still are) and adds them again after.
-- Cases are never deleted (a case deleted would leave its reference's words
-- behind: INSERT INTO message_fts(message_fts) VALUES ('rebuild') repairs
-- that).

-- A phone number as words: its digits (store.NormalizePhone) and, for a
-- Belgian number, the other form: national (0...) for an international one
-- (32...) and the other way round.
CREATE VIEW message_search_content AS
SELECT m.id,
    replace(replace(m.subject, char(2), ''), char(3), '') AS subject,
    replace(replace(m.text, char(2), ''), char(3), '') AS text,
    m.sender_name || ' ' || m.sender_email || ' ' || (
        SELECT CASE WHEN d LIKE '32_%' THEN d || ' 0' || substr(d, 3)
                    WHEN d LIKE '0_%' THEN d || ' 32' || substr(d, 2)
                    ELSE d END
        FROM (SELECT CASE WHEN p LIKE '00%' THEN substr(p, 3) ELSE p END AS d
              FROM (SELECT replace(replace(replace(replace(replace(replace(replace(
                      m.sender_phone, ' ', ''), '+', ''), '-', ''), '.', ''), '/', ''), '(', ''), ')', '') AS p))
    ) AS sender,
    coalesce(c.ref, '') AS ref,
    coalesce((SELECT group_concat(a.name, ' ' ORDER BY a.position) FROM attachments a WHERE a.message_id = m.id), '') AS names
FROM messages m LEFT JOIN cases c ON c.id = m.case_id;

CREATE VIRTUAL TABLE message_fts USING fts5(
    subject, text, sender, ref, names,
    content = 'message_search_content', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_fts (rowid, subject, text, sender, ref, names)
    SELECT id, subject, text, sender, ref, names FROM message_search_content WHERE id = NEW.id;
END;
CREATE TRIGGER messages_search_before_update BEFORE UPDATE OF case_id, subject, text, sender_name, sender_email, sender_phone ON messages BEGIN
    INSERT INTO message_fts (message_fts, rowid, subject, text, sender, ref, names)
    SELECT 'delete', id, subject, text, sender, ref, names FROM message_search_content WHERE id = OLD.id;
END;
CREATE TRIGGER messages_search_update AFTER UPDATE OF case_id, subject, text, sender_name, sender_email, sender_phone ON messages BEGIN
    INSERT INTO message_fts (rowid, subject, text, sender, ref, names)
    SELECT id, subject, text, sender, ref, names FROM message_search_content WHERE id = NEW.id;
END;
CREATE TRIGGER messages_search_delete BEFORE DELETE ON messages BEGIN
    INSERT INTO message_fts (message_fts, rowid, subject, text, sender, ref, names)
    SELECT 'delete', id, subject, text, sender, ref, names FROM message_search_content WHERE id = OLD.id;
END;
CREATE TRIGGER attachments_search_before_insert BEFORE INSERT ON attachments BEGIN
    INSERT INTO message_fts (message_fts, rowid, subject, text, sender, ref, names)
    SELECT 'delete', id, subject, text, sender, ref, names FROM message_search_content WHERE id = NEW.message_id;
END;
CREATE TRIGGER attachments_search_insert AFTER INSERT ON attachments BEGIN
    INSERT INTO message_fts (rowid, subject, text, sender, ref, names)
    SELECT id, subject, text, sender, ref, names FROM message_search_content WHERE id = NEW.message_id;
END;
CREATE TRIGGER attachments_search_before_update BEFORE UPDATE OF message_id, position, name ON attachments BEGIN
    INSERT INTO message_fts (message_fts, rowid, subject, text, sender, ref, names)
    SELECT 'delete', id, subject, text, sender, ref, names FROM message_search_content WHERE id IN (OLD.message_id, NEW.message_id);
END;
CREATE TRIGGER attachments_search_update AFTER UPDATE OF message_id, position, name ON attachments BEGIN
    INSERT INTO message_fts (rowid, subject, text, sender, ref, names)
    SELECT id, subject, text, sender, ref, names FROM message_search_content WHERE id IN (OLD.message_id, NEW.message_id);
END;
CREATE TRIGGER attachments_search_before_delete BEFORE DELETE ON attachments BEGIN
    INSERT INTO message_fts (message_fts, rowid, subject, text, sender, ref, names)
    SELECT 'delete', id, subject, text, sender, ref, names FROM message_search_content WHERE id = OLD.message_id;
END;
CREATE TRIGGER attachments_search_delete AFTER DELETE ON attachments BEGIN
    INSERT INTO message_fts (rowid, subject, text, sender, ref, names)
    SELECT id, subject, text, sender, ref, names FROM message_search_content WHERE id = OLD.message_id;
END;

CREATE VIEW contact_search_content AS
SELECT k.id, k.name, k.email, (
        SELECT CASE WHEN d LIKE '32_%' THEN d || ' 0' || substr(d, 3)
                    WHEN d LIKE '0_%' THEN d || ' 32' || substr(d, 2)
                    ELSE d END
        FROM (SELECT CASE WHEN p LIKE '00%' THEN substr(p, 3) ELSE p END AS d
              FROM (SELECT replace(replace(replace(replace(replace(replace(replace(
                      k.phone, ' ', ''), '+', ''), '-', ''), '.', ''), '/', ''), '(', ''), ')', '') AS p))
    ) AS phone,
    k.facebook_id
FROM contacts k;

CREATE VIRTUAL TABLE contact_fts USING fts5(
    name, email, phone, facebook_id,
    content = 'contact_search_content', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_fts (rowid, name, email, phone, facebook_id)
    SELECT id, name, email, phone, facebook_id FROM contact_search_content WHERE id = NEW.id;
END;
CREATE TRIGGER contacts_search_before_update BEFORE UPDATE OF name, email, phone, facebook_id ON contacts BEGIN
    INSERT INTO contact_fts (contact_fts, rowid, name, email, phone, facebook_id)
    SELECT 'delete', id, name, email, phone, facebook_id FROM contact_search_content WHERE id = OLD.id;
END;
CREATE TRIGGER contacts_search_update AFTER UPDATE OF name, email, phone, facebook_id ON contacts BEGIN
    INSERT INTO contact_fts (rowid, name, email, phone, facebook_id)
    SELECT id, name, email, phone, facebook_id FROM contact_search_content WHERE id = NEW.id;
END;
CREATE TRIGGER contacts_search_delete BEFORE DELETE ON contacts BEGIN
    INSERT INTO contact_fts (contact_fts, rowid, name, email, phone, facebook_id)
    SELECT 'delete', id, name, email, phone, facebook_id FROM contact_search_content WHERE id = OLD.id;
END;

-- What is stored already.
INSERT INTO message_fts (message_fts) VALUES ('rebuild');
INSERT INTO contact_fts (contact_fts) VALUES ('rebuild');
