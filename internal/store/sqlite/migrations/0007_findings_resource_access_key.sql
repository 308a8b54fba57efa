-- 0007: the resource filter of finding.Query (the console's findings
-- page): a finding matches by its resource id (resource_id, migration
-- 0004, found through findings_resource) or by the access key in its
-- resource details, by id or user name, whatever the resource type (an S3
-- finding names the key that acted on the bucket). Both are computed from
-- the JSON when read and kept in indexes, so that each side of the OR is
-- an index seek rather than a scan of every body.
ALTER TABLE findings ADD COLUMN resource_key TEXT NOT NULL
    GENERATED ALWAYS AS (COALESCE(json_extract(body, '$.resource.accessKeyDetails.accessKeyId'), '')) VIRTUAL;
ALTER TABLE findings ADD COLUMN resource_user TEXT NOT NULL
    GENERATED ALWAYS AS (COALESCE(json_extract(body, '$.resource.accessKeyDetails.userName'), '')) VIRTUAL;
CREATE INDEX findings_resource_key ON findings (resource_key);
CREATE INDEX findings_resource_user ON findings (resource_user);
