-- 0002: malware scan records (store.ScanRecord).
-- Times are Unix milliseconds (UTC). The record itself is kept as JSON in
-- body; the columns are what queries filter and sort on.

CREATE TABLE scans (
    scan_id      TEXT    NOT NULL PRIMARY KEY,
    bucket       TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    version_id   TEXT    NOT NULL,
    etag         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    scan_status  TEXT    NOT NULL,
    completed_at INTEGER NOT NULL,
    body         TEXT    NOT NULL
);

-- ScanDone: has this version (or ETag) of the object been scanned?
CREATE INDEX scans_object_version ON scans (bucket, key, version_id);
CREATE INDEX scans_object_etag    ON scans (bucket, key, etag);
-- ListScans: newest first, optionally by bucket or status.
CREATE INDEX scans_completed ON scans (completed_at, scan_id);
CREATE INDEX scans_bucket    ON scans (bucket, completed_at, scan_id);
CREATE INDEX scans_status    ON scans (status, completed_at, scan_id);
