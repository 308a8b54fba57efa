-- 0004: what the API's ListFindings and GetFindingsStatistics need to
-- answer from indexes and counts rather than by reading every finding.

-- The columns findings are counted and filtered by, then the newest first.
-- It covers listings that filter on type (and the other columns) and sort
-- by updated_at, and finds the newest finding of a group (finding_groups).
CREATE INDEX findings_group ON findings (type, severity, account_id, region, archived, updated_at, id);

-- The resource of a finding and its id as GuardDuty's ResourceStatistics
-- maps them by resource type (the access key id, instance id, function
-- name, first bucket name), computed from the JSON when read, and kept in
-- an index for counting findings by resource.
ALTER TABLE findings ADD COLUMN resource_type TEXT NOT NULL
    GENERATED ALWAYS AS (COALESCE(json_extract(body, '$.resource.resourceType'), '')) VIRTUAL;
ALTER TABLE findings ADD COLUMN resource_id TEXT NOT NULL
    GENERATED ALWAYS AS (COALESCE(CASE json_extract(body, '$.resource.resourceType')
        WHEN 'AccessKey' THEN json_extract(body, '$.resource.accessKeyDetails.accessKeyId')
        WHEN 'Instance' THEN json_extract(body, '$.resource.instanceDetails.instanceId')
        WHEN 'Lambda' THEN json_extract(body, '$.resource.lambdaDetails.functionName')
        WHEN 'S3Bucket' THEN json_extract(body, '$.resource.s3BucketDetails[0].name')
        WHEN 'S3Object' THEN json_extract(body, '$.resource.s3BucketDetails[0].name')
    END, '')) VIRTUAL;
CREATE INDEX findings_resource ON findings
    (resource_type, resource_id, account_id, type, severity, region, archived, updated_at);

-- How many findings each combination of the filterable columns has, and
-- the newest updated_at among them; kept by the triggers below, in the
-- transaction of each change of findings.
CREATE TABLE finding_groups (
    type       TEXT    NOT NULL,
    severity   REAL    NOT NULL,
    account_id TEXT    NOT NULL,
    region     TEXT    NOT NULL,
    archived   INTEGER NOT NULL,
    total      INTEGER NOT NULL CHECK (total > 0),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (type, severity, account_id, region, archived)
) WITHOUT ROWID;

INSERT INTO finding_groups (type, severity, account_id, region, archived, total, updated_at)
SELECT type, severity, account_id, region, archived, COUNT(*), MAX(updated_at)
FROM findings GROUP BY type, severity, account_id, region, archived;

CREATE TRIGGER finding_groups_insert AFTER INSERT ON findings
BEGIN
    INSERT INTO finding_groups (type, severity, account_id, region, archived, total, updated_at)
    VALUES (NEW.type, NEW.severity, NEW.account_id, NEW.region, NEW.archived, 1, NEW.updated_at)
    ON CONFLICT DO UPDATE SET total = total + 1, updated_at = max(updated_at, excluded.updated_at);
END;

-- A finding that changed: it leaves its group, whose newest updated_at is
-- looked up again (findings_group makes that one index seek), and joins
-- its new one (the same group after a recurrence). One trigger rather
-- than one per case: each trigger is compiled with every statement that
-- writes findings, which costs more than the lookup.
CREATE TRIGGER finding_groups_update AFTER UPDATE ON findings
WHEN NEW.updated_at <> OLD.updated_at OR NEW.archived <> OLD.archived OR NEW.severity <> OLD.severity
    OR NEW.type <> OLD.type OR NEW.account_id <> OLD.account_id OR NEW.region <> OLD.region
BEGIN
    DELETE FROM finding_groups
    WHERE type = OLD.type AND severity = OLD.severity AND account_id = OLD.account_id
        AND region = OLD.region AND archived = OLD.archived AND total = 1;
    UPDATE finding_groups SET total = total - 1, updated_at = (
            SELECT MAX(updated_at) FROM findings
            WHERE type = OLD.type AND severity = OLD.severity AND account_id = OLD.account_id
                AND region = OLD.region AND archived = OLD.archived)
    WHERE type = OLD.type AND severity = OLD.severity AND account_id = OLD.account_id
        AND region = OLD.region AND archived = OLD.archived;
    INSERT INTO finding_groups (type, severity, account_id, region, archived, total, updated_at)
    VALUES (NEW.type, NEW.severity, NEW.account_id, NEW.region, NEW.archived, 1, NEW.updated_at)
    ON CONFLICT DO UPDATE SET total = total + 1, updated_at = max(updated_at, excluded.updated_at);
END;

CREATE TRIGGER finding_groups_delete AFTER DELETE ON findings
BEGIN
    DELETE FROM finding_groups
    WHERE type = OLD.type AND severity = OLD.severity AND account_id = OLD.account_id
        AND region = OLD.region AND archived = OLD.archived AND total = 1;
    UPDATE finding_groups SET total = total - 1, updated_at = (
            SELECT MAX(updated_at) FROM findings
            WHERE type = OLD.type AND severity = OLD.severity AND account_id = OLD.account_id
                AND region = OLD.region AND archived = OLD.archived)
    WHERE type = OLD.type AND severity = OLD.severity AND account_id = OLD.account_id
        AND region = OLD.region AND archived = OLD.archived;
END;
