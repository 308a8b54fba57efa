package s3

import (
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// Finding types of the Block Public Access detector.
const (
	TypeBucketBlockPublicAccessDisabled  = "Policy:S3/BucketBlockPublicAccessDisabled"
	TypeAccountBlockPublicAccessDisabled = "Policy:S3/AccountBlockPublicAccessDisabled"
)

func init() {
	detect.Register(&detect.Detector{
		Name:  "s3.block_public_access_disabled",
		Kinds: apiCalls,
		Types: []detect.Definition{{
			Type: TypeBucketBlockPublicAccessDisabled, Severity: finding.SeverityLow, Tactic: "Defense Evasion", DataSource: dataSource,
			Logic: "Successful DeleteBucketPublicAccessBlock, or PutBucketPublicAccessBlock with any of BlockPublicAcls, IgnorePublicAcls, " +
				"BlockPublicPolicy, RestrictPublicBuckets false (an omitted setting is false).",
			Key:         bucketKey,
			Title:       "Amazon S3 Block Public Access was disabled for an S3 bucket.",
			Description: "An IAM entity invoked an API used to disable S3 Block Public Access on a bucket." + suffix,
		}, {
			Type: TypeAccountBlockPublicAccessDisabled, Severity: finding.SeverityLow, Tactic: "Defense Evasion", DataSource: dataSource,
			Logic:       "Successful DeleteAccountPublicAccessBlock, or PutAccountPublicAccessBlock with any setting false (s3 or s3control endpoint).",
			Key:         "principal (accessKeyId, else principalId) + API name + account (AWS::::Account)",
			Title:       "Amazon S3 Block Public Access was disabled for an account.",
			Description: "An IAM entity invoked an API used to disable S3 Block Public Access for all the buckets of an account." + suffix,
		}},
		Sample: func(typ string) finding.Finding {
			ev := detect.SampleEvent(s3Source, "DeleteBucketPublicAccessBlock", `{"bucketName":"sample-data-bucket","publicAccessBlock":""}`)
			if typ == TypeAccountBlockPublicAccessDisabled {
				ev = detect.SampleEvent(s3Source, "DeleteAccountPublicAccessBlock", `{"Host":"123456789012.s3-control.us-east-1.amazonaws.com"}`)
			}
			return detectBPA(nil, ev)[0]
		},
		Detect: detectBPA,
	})
}

// bpaParams are the parameters of the Block Public Access APIs.
type bpaParams struct {
	BucketName string `json:"bucketName"`
	Config     *struct {
		BlockPublicAcls       detect.Bool `json:"BlockPublicAcls"`
		IgnorePublicAcls      detect.Bool `json:"IgnorePublicAcls"`
		BlockPublicPolicy     detect.Bool `json:"BlockPublicPolicy"`
		RestrictPublicBuckets detect.Bool `json:"RestrictPublicBuckets"`
	} `json:"PublicAccessBlockConfiguration"`
}

// settings returns the new settings; a deletion turns every one off.
func (p *bpaParams) settings() finding.BlockPublicAccess {
	if p.Config == nil {
		return finding.BlockPublicAccess{}
	}
	c := p.Config
	return finding.BlockPublicAccess{IgnorePublicAcls: bool(c.IgnorePublicAcls), RestrictPublicBuckets: bool(c.RestrictPublicBuckets),
		BlockPublicAcls: bool(c.BlockPublicAcls), BlockPublicPolicy: bool(c.BlockPublicPolicy)}
}

func detectBPA(_ *detect.Context, ev *event.Event) []finding.Finding {
	bucket := succeeded(ev, []string{s3Source}, "PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock")
	account := succeeded(ev, []string{s3Source, "s3control.amazonaws.com"}, "PutAccountPublicAccessBlock", "DeleteAccountPublicAccessBlock")
	if !bucket && !account {
		return nil
	}
	var p bpaParams
	ok := detect.Params(ev, &p)
	put := ev.API.Name == "PutBucketPublicAccessBlock" || ev.API.Name == "PutAccountPublicAccessBlock"
	if put && (!ok || p.Config == nil) {
		return nil // nothing to judge
	}
	bpa := p.settings()
	if bpa.BlockPublicAcls && bpa.IgnorePublicAcls && bpa.BlockPublicPolicy && bpa.RestrictPublicBuckets {
		return nil
	}
	if account {
		f := detect.APICallFinding(TypeAccountBlockPublicAccessDisabled, ev, map[string]string{"AWS::::Account": ev.Account})
		f.Resource.ResourceType = finding.ResourceS3Bucket
		f.Title = "Amazon S3 Block Public Access was disabled for account " + ev.Account + "."
		f.Description = "Amazon S3 Block Public Access was disabled for account " + ev.Account + " " + by(ev) + suffix
		return []finding.Finding{f}
	}
	f := bucketFinding(TypeBucketBlockPublicAccessDisabled, ev, p.BucketName)
	if len(f.Resource.S3BucketDetails) > 0 {
		f.Resource.S3BucketDetails[0].PublicAccess = &finding.PublicAccess{PermissionConfiguration: &finding.PermissionConfiguration{
			BucketLevelPermissions: &finding.BucketLevelPermissions{BlockPublicAccess: &bpa},
		}}
	}
	f.Title = "Amazon S3 Block Public Access was disabled for S3 bucket " + p.BucketName + "."
	f.Description = "Amazon S3 Block Public Access was disabled for S3 bucket " + p.BucketName + " " + by(ev) + suffix
	return []finding.Finding{f}
}
