package protect

import (
	"context"
	"time"

	"github.com/vigil-sec/vigil/internal/cost"
	"github.com/vigil-sec/vigil/internal/malware"
	"github.com/vigil-sec/vigil/internal/store"
)

// meter records the usage of one object scan when the store keeps usage
// (store.UsageStore), as GuardDuty bills Malware Protection for S3: one
// object evaluated for every scan recorded, whatever its result, and the
// object's size as bytes scanned when its content was scanned to a result
// (NO_THREATS_FOUND or THREATS_FOUND). It is counted on the day the scan
// completed, for the protector's account and region (Options.AccountID
// and Region: a plan's bucket is taken to be in them). Accounting never
// stops a scan: a failure is logged.
func (p *Protector) meter(ctx context.Context, rec store.ScanRecord) {
	us, ok := p.o.Store.(store.UsageStore)
	if !ok {
		return
	}
	recs := []store.UsageRecord{p.usage(rec.CompletedAt, cost.S3MalwareObjects, 1)}
	if s := malware.Status(rec.Status); (s == malware.NoThreatsFound || s == malware.ThreatsFound) && rec.Size > 0 {
		recs = append(recs, p.usage(rec.CompletedAt, cost.S3MalwareBytes, float64(rec.Size)))
	}
	if err := us.AddUsage(context.WithoutCancel(ctx), recs); err != nil {
		p.log.Error("scan usage not recorded", "scan_id", rec.ScanID, "err", err)
	}
}

func (p *Protector) usage(at time.Time, d cost.Dimension, amount float64) store.UsageRecord {
	return store.UsageRecord{Day: at.UTC(), Account: p.o.AccountID, Region: p.o.Region, Dimension: string(d), Amount: amount}
}

// VolumeUsage is the usage of a folder or volume scan (Malware Protection
// for EC2): the bytes scanned, on the day the scan completed, for its
// account and region.
func VolumeUsage(s VolumeScan) store.UsageRecord {
	return store.UsageRecord{Day: s.Completed.UTC(), Account: s.AccountID, Region: s.Region,
		Dimension: string(cost.EBSMalwareBytes), Amount: float64(s.Bytes)}
}
