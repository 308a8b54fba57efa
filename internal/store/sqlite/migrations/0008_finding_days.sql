-- 0008: findings counted per UTC day of updatedAt, severity and archived
-- state, for GetFindingsStatistics' groupBy DATE (by day and severity) and
-- the console's chart when the criteria filter on nothing else: kept by
-- triggers in the transaction of each change of findings, so grouping a
-- million findings by day reads a few thousand rows, not a million index
-- entries. (Keyed by all the columns of finding_groups it would hold
-- nearly a row per finding.)
CREATE TABLE finding_days (
    day        INTEGER NOT NULL, -- updated_at / 86400000
    severity   REAL    NOT NULL,
    archived   INTEGER NOT NULL,
    total      INTEGER NOT NULL CHECK (total > 0),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (day, severity, archived)
) WITHOUT ROWID;

INSERT INTO finding_days (day, severity, archived, total, updated_at)
SELECT updated_at / 86400000, severity, archived, COUNT(*), MAX(updated_at) FROM findings
GROUP BY updated_at / 86400000, severity, archived;

CREATE TRIGGER finding_days_insert AFTER INSERT ON findings
BEGIN
    INSERT INTO finding_days (day, severity, archived, total, updated_at)
    VALUES (NEW.updated_at / 86400000, NEW.severity, NEW.archived, 1, NEW.updated_at)
    ON CONFLICT DO UPDATE SET total = total + 1, updated_at = max(updated_at, excluded.updated_at);
END;

-- A finding that changed day, severity or archived state leaves its group, whose
-- newest updated_at is looked up again (walking findings_updated_at back
-- from the day's end), and joins its new one.
CREATE TRIGGER finding_days_update AFTER UPDATE ON findings
WHEN NEW.updated_at <> OLD.updated_at OR NEW.archived <> OLD.archived OR NEW.severity <> OLD.severity
BEGIN
    DELETE FROM finding_days
    WHERE day = OLD.updated_at / 86400000 AND severity = OLD.severity AND archived = OLD.archived AND total = 1;
    UPDATE finding_days SET total = total - 1, updated_at = (
            SELECT updated_at FROM findings
            WHERE updated_at >= (OLD.updated_at / 86400000) * 86400000
                AND updated_at < (OLD.updated_at / 86400000 + 1) * 86400000
                AND severity = OLD.severity AND archived = OLD.archived
            ORDER BY updated_at DESC LIMIT 1)
    WHERE day = OLD.updated_at / 86400000 AND severity = OLD.severity AND archived = OLD.archived;
    INSERT INTO finding_days (day, severity, archived, total, updated_at)
    VALUES (NEW.updated_at / 86400000, NEW.severity, NEW.archived, 1, NEW.updated_at)
    ON CONFLICT DO UPDATE SET total = total + 1, updated_at = max(updated_at, excluded.updated_at);
END;

CREATE TRIGGER finding_days_delete AFTER DELETE ON findings
BEGIN
    DELETE FROM finding_days
    WHERE day = OLD.updated_at / 86400000 AND severity = OLD.severity AND archived = OLD.archived AND total = 1;
    UPDATE finding_days SET total = total - 1, updated_at = (
            SELECT updated_at FROM findings
            WHERE updated_at >= (OLD.updated_at / 86400000) * 86400000
                AND updated_at < (OLD.updated_at / 86400000 + 1) * 86400000
                AND severity = OLD.severity AND archived = OLD.archived
            ORDER BY updated_at DESC LIMIT 1)
    WHERE day = OLD.updated_at / 86400000 AND severity = OLD.severity AND archived = OLD.archived;
END;
