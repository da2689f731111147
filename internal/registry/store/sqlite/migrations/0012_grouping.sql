-- Finding a citizen's cases by name in any order and spelling of particles
-- (store.NameKey: "Wim Martens" = "Martens Wim", "De Wulf" = "Dewulf").
-- Contacts stored before this migration have no key and are still found by
-- their lower-cased name.
ALTER TABLE contacts ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
CREATE INDEX contacts_name_key_idx ON contacts (domain, name_key);
-- A citizen's messages in a conversation (Facebook comments under one post).
CREATE INDEX messages_conversation_contact_idx ON messages (domain, conversation_id, contact_id);
