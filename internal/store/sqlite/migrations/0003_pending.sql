-- Object events accepted for a malware scan but not scanned yet, so that
-- a crash or restart loses none (internal/protect).
CREATE TABLE pending_objects (
	id       TEXT PRIMARY KEY,
	event    TEXT NOT NULL,
	added_at INTEGER NOT NULL
);
