-- 0001: findings, source checkpoints and detector state.
-- Times are Unix milliseconds (UTC) so they sort and compare as integers.

CREATE TABLE findings (
    id         TEXT    NOT NULL PRIMARY KEY,
    type       TEXT    NOT NULL,
    severity   REAL    NOT NULL,
    account_id TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    archived   INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    count      INTEGER NOT NULL,
    body       TEXT    NOT NULL -- the finding as GuardDuty JSON
);

-- One index per sort key, with id as the tie-breaker keyset paging needs.
CREATE INDEX findings_updated_at ON findings (updated_at, id);
CREATE INDEX findings_created_at ON findings (created_at, id);
CREATE INDEX findings_severity   ON findings (severity, id);
CREATE INDEX findings_type       ON findings (type, id);
CREATE INDEX findings_count      ON findings (count, id);
-- The console's usual view: current findings of one account, newest first.
CREATE INDEX findings_account    ON findings (account_id, archived, updated_at, id);
CREATE INDEX findings_region     ON findings (region, updated_at, id);

CREATE TABLE source_files (
    source  TEXT    NOT NULL,
    key     TEXT    NOT NULL,
    version TEXT    NOT NULL,
    events  INTEGER NOT NULL,
    errors  INTEGER NOT NULL,
    done_at INTEGER NOT NULL,
    PRIMARY KEY (source, key, version)
) WITHOUT ROWID;

CREATE TABLE detector_state (
    detector   TEXT    NOT NULL PRIMARY KEY,
    snapshot   BLOB    NOT NULL,
    updated_at INTEGER NOT NULL
);
