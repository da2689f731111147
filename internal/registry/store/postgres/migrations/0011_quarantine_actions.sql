-- Staff deal with quarantined events: they send the payload to the intake
-- stream again (resolution 'retried') or mark the item handled ('resolved'),
-- saying who and why. A front-desk registration is followed up by its
-- event id, also while it is quarantined.
ALTER TABLE quarantine ADD COLUMN resolution text NOT NULL DEFAULT '';
ALTER TABLE quarantine ADD COLUMN resolved_by text NOT NULL DEFAULT '';
ALTER TABLE quarantine ADD COLUMN resolution_note text NOT NULL DEFAULT '';
UPDATE quarantine SET resolution = 'resolved' WHERE resolved_at IS NOT NULL;
CREATE INDEX quarantine_event_idx ON quarantine (event_id) WHERE event_id <> '';
CREATE INDEX quarantine_open_idx ON quarantine (id) WHERE resolved_at IS NULL;
