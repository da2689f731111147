-- Finding a citizen's open cases by name when they write from another
-- address or channel.
CREATE INDEX contacts_name_idx ON contacts (domain, lower(name));
CREATE INDEX cases_contact_updated_idx ON cases (contact_id, domain, updated_at);
