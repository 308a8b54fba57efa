-- 0009: findings counted per resource (resource_type, resource_id of
-- 0004), account and archived state, for GetFindingsStatistics' groupBy
-- RESOURCE and the console's top resources when the criteria filter on
-- nothing but the account and archived state: kept by triggers in the
-- transaction of each change of findings, so a million findings on tens
-- of thousands of resources are grouped from those, not from a million
-- index entries.
CREATE TABLE finding_resources (
    resource_type TEXT    NOT NULL,
    resource_id   TEXT    NOT NULL,
    account_id    TEXT    NOT NULL,
    archived      INTEGER NOT NULL,
    total         INTEGER NOT NULL CHECK (total > 0),
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (resource_type, resource_id, account_id, archived)
) WITHOUT ROWID;

INSERT INTO finding_resources (resource_type, resource_id, account_id, archived, total, updated_at)
SELECT resource_type, resource_id, account_id, archived, COUNT(*), MAX(updated_at) FROM findings
GROUP BY resource_type, resource_id, account_id, archived;

CREATE TRIGGER finding_resources_insert AFTER INSERT ON findings
BEGIN
    INSERT INTO finding_resources (resource_type, resource_id, account_id, archived, total, updated_at)
    VALUES (NEW.resource_type, NEW.resource_id, NEW.account_id, NEW.archived, 1, NEW.updated_at)
    ON CONFLICT DO UPDATE SET total = total + 1, updated_at = max(updated_at, excluded.updated_at);
END;

-- A recurrence in the same group only moves its newest updated_at.
CREATE TRIGGER finding_resources_touch AFTER UPDATE ON findings
WHEN NEW.updated_at > OLD.updated_at AND NEW.archived = OLD.archived AND NEW.account_id = OLD.account_id
    AND NEW.resource_type = OLD.resource_type AND NEW.resource_id = OLD.resource_id
BEGIN
    UPDATE finding_resources SET updated_at = max(updated_at, NEW.updated_at)
    WHERE resource_type = NEW.resource_type AND resource_id = NEW.resource_id
        AND account_id = NEW.account_id AND archived = NEW.archived;
END;

-- A finding that changed group (or went back in time) leaves its group,
-- whose newest updated_at is looked up again (a seek in
-- findings_resource), and joins its new one.
CREATE TRIGGER finding_resources_update AFTER UPDATE ON findings
WHEN NEW.archived <> OLD.archived OR NEW.account_id <> OLD.account_id OR NEW.resource_type <> OLD.resource_type
    OR NEW.resource_id <> OLD.resource_id OR NEW.updated_at < OLD.updated_at
BEGIN
    DELETE FROM finding_resources
    WHERE resource_type = OLD.resource_type AND resource_id = OLD.resource_id
        AND account_id = OLD.account_id AND archived = OLD.archived AND total = 1;
    UPDATE finding_resources SET total = total - 1, updated_at = (
            SELECT MAX(updated_at) FROM findings
            WHERE resource_type = OLD.resource_type AND resource_id = OLD.resource_id
                AND account_id = OLD.account_id AND archived = OLD.archived)
    WHERE resource_type = OLD.resource_type AND resource_id = OLD.resource_id
        AND account_id = OLD.account_id AND archived = OLD.archived;
    INSERT INTO finding_resources (resource_type, resource_id, account_id, archived, total, updated_at)
    VALUES (NEW.resource_type, NEW.resource_id, NEW.account_id, NEW.archived, 1, NEW.updated_at)
    ON CONFLICT DO UPDATE SET total = total + 1, updated_at = max(updated_at, excluded.updated_at);
END;

CREATE TRIGGER finding_resources_delete AFTER DELETE ON findings
BEGIN
    DELETE FROM finding_resources
    WHERE resource_type = OLD.resource_type AND resource_id = OLD.resource_id
        AND account_id = OLD.account_id AND archived = OLD.archived AND total = 1;
    UPDATE finding_resources SET total = total - 1, updated_at = (
            SELECT MAX(updated_at) FROM findings
            WHERE resource_type = OLD.resource_type AND resource_id = OLD.resource_id
                AND account_id = OLD.account_id AND archived = OLD.archived)
    WHERE resource_type = OLD.resource_type AND resource_id = OLD.resource_id
        AND account_id = OLD.account_id AND archived = OLD.archived;
END;
