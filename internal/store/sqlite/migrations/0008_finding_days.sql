-- 0008: findings counted per UTC day of updatedAt, for
-- GetFindingsStatistics' groupBy DATE and the console's chart: like
-- finding_groups (0004) with the day added to the key, kept by triggers
-- in the transaction of each change of findings, so grouping a million
-- findings by day reads thousands of rows, not a million index entries.
CREATE TABLE finding_days (
    day        INTEGER NOT NULL, -- updated_at / 86400000
    type       TEXT    NOT NULL,
    severity   REAL    NOT NULL,
    account_id TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    archived   INTEGER NOT NULL,
    total      INTEGER NOT NULL CHECK (total > 0),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (day, type, severity, account_id, region, archived)
) WITHOUT ROWID;

INSERT INTO finding_days (day, type, severity, account_id, region, archived, total, updated_at)
SELECT updated_at / 86400000, type, severity, account_id, region, archived, COUNT(*), MAX(updated_at)
FROM findings GROUP BY updated_at / 86400000, type, severity, account_id, region, archived;

CREATE TRIGGER finding_days_insert AFTER INSERT ON findings
BEGIN
    INSERT INTO finding_days (day, type, severity, account_id, region, archived, total, updated_at)
    VALUES (NEW.updated_at / 86400000, NEW.type, NEW.severity, NEW.account_id, NEW.region, NEW.archived, 1, NEW.updated_at)
    ON CONFLICT DO UPDATE SET total = total + 1, updated_at = max(updated_at, excluded.updated_at);
END;

-- A finding that changed leaves its day's group, whose newest updated_at
-- is looked up again within the day (one seek in findings_group), and
-- joins its new one.
CREATE TRIGGER finding_days_update AFTER UPDATE ON findings
WHEN NEW.updated_at <> OLD.updated_at OR NEW.archived <> OLD.archived OR NEW.severity <> OLD.severity
    OR NEW.type <> OLD.type OR NEW.account_id <> OLD.account_id OR NEW.region <> OLD.region
BEGIN
    DELETE FROM finding_days
    WHERE day = OLD.updated_at / 86400000 AND type = OLD.type AND severity = OLD.severity
        AND account_id = OLD.account_id AND region = OLD.region AND archived = OLD.archived AND total = 1;
    UPDATE finding_days SET total = total - 1, updated_at = (
            SELECT MAX(updated_at) FROM findings
            WHERE type = OLD.type AND severity = OLD.severity AND account_id = OLD.account_id
                AND region = OLD.region AND archived = OLD.archived
                AND updated_at >= (OLD.updated_at / 86400000) * 86400000
                AND updated_at < (OLD.updated_at / 86400000 + 1) * 86400000)
    WHERE day = OLD.updated_at / 86400000 AND type = OLD.type AND severity = OLD.severity
        AND account_id = OLD.account_id AND region = OLD.region AND archived = OLD.archived;
    INSERT INTO finding_days (day, type, severity, account_id, region, archived, total, updated_at)
    VALUES (NEW.updated_at / 86400000, NEW.type, NEW.severity, NEW.account_id, NEW.region, NEW.archived, 1, NEW.updated_at)
    ON CONFLICT DO UPDATE SET total = total + 1, updated_at = max(updated_at, excluded.updated_at);
END;

CREATE TRIGGER finding_days_delete AFTER DELETE ON findings
BEGIN
    DELETE FROM finding_days
    WHERE day = OLD.updated_at / 86400000 AND type = OLD.type AND severity = OLD.severity
        AND account_id = OLD.account_id AND region = OLD.region AND archived = OLD.archived AND total = 1;
    UPDATE finding_days SET total = total - 1, updated_at = (
            SELECT MAX(updated_at) FROM findings
            WHERE type = OLD.type AND severity = OLD.severity AND account_id = OLD.account_id
                AND region = OLD.region AND archived = OLD.archived
                AND updated_at >= (OLD.updated_at / 86400000) * 86400000
                AND updated_at < (OLD.updated_at / 86400000 + 1) * 86400000)
    WHERE day = OLD.updated_at / 86400000 AND type = OLD.type AND severity = OLD.severity
        AND account_id = OLD.account_id AND region = OLD.region AND archived = OLD.archived;
END;
