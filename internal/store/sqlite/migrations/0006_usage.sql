-- 0006: usage accounting (internal/cost): the work Vigil did per UTC day,
-- account, region and usage dimension, in the dimension's unit. Writers
-- add to a row (amount = amount + new amount); nothing else changes it.
CREATE TABLE usage_daily (
    day       TEXT NOT NULL, -- YYYY-MM-DD (UTC), so text order is day order
    account   TEXT NOT NULL,
    region    TEXT NOT NULL,
    dimension TEXT NOT NULL,
    amount    REAL NOT NULL,
    PRIMARY KEY (day, account, region, dimension)
) WITHOUT ROWID;
