-- The priority routing gives a case (laag, normaal, hoog, dringend).
ALTER TABLE cases ADD COLUMN priority TEXT NOT NULL DEFAULT '';
