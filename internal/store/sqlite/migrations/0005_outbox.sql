-- 0005: the notification outbox.
--
-- finding_changes is a feed of new findings and recurrences (count went
-- up), written by triggers in the transaction that changes findings, so a
-- change the notifier has not seen survives a crash. The notifier reads
-- the feed after its cursor, queues deliveries and deletes what it read,
-- in one transaction.
CREATE TABLE finding_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id TEXT    NOT NULL,
    count      INTEGER NOT NULL,
    created    INTEGER NOT NULL CHECK (created IN (0, 1))
);

CREATE TRIGGER finding_changes_insert AFTER INSERT ON findings
BEGIN
    INSERT INTO finding_changes (finding_id, count, created) VALUES (NEW.id, NEW.count, 1);
END;

CREATE TRIGGER finding_changes_update AFTER UPDATE OF count ON findings
WHEN NEW.count > OLD.count
BEGIN
    INSERT INTO finding_changes (finding_id, count, created) VALUES (NEW.id, NEW.count, 0);
END;

-- One row per message to send (or part of a digest): its route and
-- destination, the finding as it was when queued, when it is due, and its
-- delivery state. (route, finding_id, count) is unique, so a change read
-- twice is queued once; a pending update of a finding is replaced by a
-- newer one rather than queued beside it.
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    route        TEXT    NOT NULL,
    destination  TEXT    NOT NULL,
    finding_id   TEXT    NOT NULL,
    count        INTEGER NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('new', 'update', 'health')),
    digest       INTEGER NOT NULL CHECK (digest IN (0, 1)),
    body         TEXT    NOT NULL,
    queued_at    INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    next_attempt INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    last_error   TEXT    NOT NULL DEFAULT '',
    done_at      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX outbox_key ON outbox (route, finding_id, count);
CREATE INDEX outbox_due ON outbox (state, next_attempt) WHERE state = 'pending';
CREATE INDEX outbox_pending_update ON outbox (route, finding_id) WHERE state = 'pending' AND kind = 'update';
CREATE INDEX outbox_done ON outbox (done_at) WHERE state <> 'pending';

-- The last change the notifier consumed (one row once it has started).
CREATE TABLE notify_cursor (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
