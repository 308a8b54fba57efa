package protect

import (
	"fmt"
	"strings"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/store"
)

// The finding Malware Protection for S3 makes.
const (
	FindingType = "Object:S3/MaliciousFile"
	// FeatureName is service.featureName of the finding.
	FeatureName = "S3MalwareProtection"
)

// Scan types of service.malwareScanDetails.
const (
	ScanTypePlan     = "GUARDDUTY_INITIATED"
	ScanTypeOnDemand = "ON_DEMAND"
)

// finding returns the Object:S3/MaliciousFile finding of a scan with
// threats. As GuardDuty, one finding per scan: the aggregation key is the
// scan id, so findings are never merged.
func (p *Protector) finding(rec store.ScanRecord) ([]finding.Finding, bool) {
	if rec.Status != "THREATS_FOUND" || p.o.DetectorID == "" {
		return nil, false
	}
	f := MaliciousFileFinding(rec, p.o.AccountID, p.o.Region, p.o.Partition)
	detect.Finish(&f, p.o.DetectorID, p.o.Partition, rec.CompletedAt, p.o.Now())
	return []finding.Finding{f}, true
}

// MaliciousFileFinding returns the Object:S3/MaliciousFile finding of a
// scan record without the fields the engine fills (id, arn, times,
// detector); detect.Finish completes it.
func MaliciousFileFinding(rec store.ScanRecord, account, region, partition string) finding.Finding {
	if partition == "" {
		partition = "aws"
	}
	bucketARN := "arn:" + partition + ":s3:::" + rec.Bucket
	scanType := ScanTypePlan
	if rec.Trigger == store.TriggerOnDemand {
		scanType = ScanTypeOnDemand
	}
	names := distinctThreatNames(rec.Threats)
	return finding.Finding{
		AccountID: account, Region: region, Type: FindingType, Severity: finding.SeverityHigh,
		Title: "Malicious file detected in S3 object.",
		Description: fmt.Sprintf("Malware Protection for S3 found %s in the S3 object %s of bucket %s.",
			describeThreats(names), rec.Key, rec.Bucket),
		AggregationKey: rec.ScanID,
		Resource: finding.Resource{
			ResourceType: finding.ResourceS3Object,
			S3BucketDetails: []finding.S3BucketDetail{{
				Name: rec.Bucket, Arn: bucketARN,
				S3ObjectDetails: []finding.S3ObjectDetail{{
					ObjectArn: bucketARN + "/" + rec.Key, Key: rec.Key, ETag: rec.ETag,
					Hash: rec.SHA256, VersionID: rec.VersionID,
				}},
			}},
		},
		Service: finding.Service{
			FeatureName:  FeatureName,
			ResourceRole: finding.RoleTarget,
			MalwareScanDetails: &finding.MalwareScanDetails{
				Threats: malwareThreats(rec), ScanID: rec.ScanID, ScanType: scanType, UniqueThreatCount: len(names),
			},
		},
	}
}

// malwareThreats groups detections by threat name: how many items carry
// it, and where.
func malwareThreats(rec store.ScanRecord) []finding.MalwareThreat {
	var out []finding.MalwareThreat
	index := map[string]int{}
	for _, t := range rec.Threats {
		i, ok := index[t.Name]
		if !ok {
			i = len(out)
			index[t.Name] = i
			out = append(out, finding.MalwareThreat{Name: t.Name, Source: t.Engine, Hash: t.SHA256})
		}
		hash := t.SHA256
		if hash == "" && (t.Path == "" || t.Path == rec.Key) {
			hash = rec.SHA256 // the object itself
		}
		if out[i].Hash == "" {
			out[i].Hash = hash
		}
		out[i].Count++
		path := t.Path
		if path == "" {
			path = rec.Key
		}
		out[i].ItemPaths = append(out[i].ItemPaths, finding.ItemPath{NestedItemPath: path, Hash: hash})
	}
	return out
}

func describeThreats(names []string) string {
	switch len(names) {
	case 0:
		return "a threat"
	case 1:
		return "the threat " + names[0]
	}
	return fmt.Sprintf("%d threats (%s)", len(names), strings.Join(names, ", "))
}
