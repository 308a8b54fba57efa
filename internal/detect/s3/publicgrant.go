package s3

import (
	"strings"

	json "github.com/goccy/go-json"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// Finding types of the public grant detector.
const (
	TypeBucketAnonymousAccessGranted = "Policy:S3/BucketAnonymousAccessGranted"
	TypeBucketPublicAccessGranted    = "Policy:S3/BucketPublicAccessGranted"
)

func init() {
	detect.Register(&detect.Detector{
		Name:  "s3.public_access_granted",
		Kinds: apiCalls,
		Types: []detect.Definition{{
			Type: TypeBucketAnonymousAccessGranted, Severity: finding.SeverityHigh, Tactic: "Exfiltration", DataSource: dataSource,
			Logic: `Successful PutBucketPolicy with an Allow statement for Principal "*" (or {"AWS":"*"}) and no condition on aws:SourceIp, ` +
				`aws:SourceVpc(e), aws:Principal*/Source* account, org or ARN, aws:userid or aws:username; or PutBucketAcl/CreateBucket granting the AllUsers group or canned ACL public-read(-write).`,
			Key:         bucketKey,
			Title:       "Anonymous access was granted to an S3 bucket.",
			Description: "An IAM principal granted access to an S3 bucket to anyone on the internet by changing its bucket policy or ACL." + suffix,
		}, {
			Type: TypeBucketPublicAccessGranted, Severity: finding.SeverityHigh, Tactic: "Exfiltration", DataSource: dataSource,
			Logic:       "Successful PutBucketAcl/CreateBucket granting the AuthenticatedUsers group (any AWS account) or canned ACL authenticated-read.",
			Key:         bucketKey,
			Title:       "Access was granted to an S3 bucket for all authenticated AWS users.",
			Description: "An IAM principal granted access to an S3 bucket to every authenticated AWS user by changing its ACL." + suffix,
		}},
		Sample: func(typ string) finding.Finding {
			acl := "public-read"
			if typ == TypeBucketPublicAccessGranted {
				acl = "authenticated-read"
			}
			return detectGrant(nil, detect.SampleEvent(s3Source, "PutBucketAcl", `{"bucketName":"sample-data-bucket","acl":"","x-amz-acl":["`+acl+`"]}`))[0]
		},
		Detect: detectGrant,
	})
}

type grantParams struct {
	BucketName   string          `json:"bucketName"`
	BucketPolicy json.RawMessage `json:"bucketPolicy"`
	CannedACL    detect.Strings  `json:"x-amz-acl"`
	ACP          struct {
		ACL struct {
			Grant detect.List[struct {
				Grantee struct {
					URI string `json:"URI"`
				} `json:"Grantee"`
				Permission string `json:"Permission"`
			}] `json:"Grant"`
		} `json:"AccessControlList"`
	} `json:"AccessControlPolicy"`
}

func detectGrant(_ *detect.Context, ev *event.Event) []finding.Finding {
	var p grantParams
	if !succeeded(ev, []string{s3Source}, "PutBucketPolicy", "PutBucketAcl", "CreateBucket") || !detect.Params(ev, &p) {
		return nil
	}
	if ev.API.Name == "PutBucketPolicy" {
		doc, ok := decodePolicy(p.BucketPolicy)
		if r, w := doc.anonymous(); ok && (r || w) {
			return []finding.Finding{grantFinding(TypeBucketAnonymousAccessGranted, ev, p.BucketName, perm{r, w}, true)}
		}
		return nil
	}
	all, auth := aclAccess(ev, &p)
	var out []finding.Finding
	if all.read || all.write {
		out = append(out, grantFinding(TypeBucketAnonymousAccessGranted, ev, p.BucketName, all, false))
	}
	if auth.read || auth.write {
		out = append(out, grantFinding(TypeBucketPublicAccessGranted, ev, p.BucketName, auth, false))
	}
	return out
}

func grantFinding(typ string, ev *event.Event, bucket string, p perm, policy bool) finding.Finding {
	f := bucketFinding(typ, ev, bucket)
	rw := &finding.PublicReadWrite{AllowsPublicReadAccess: p.read, AllowsPublicWriteAccess: p.write}
	levels := &finding.BucketLevelPermissions{AccessControlList: rw}
	how := "its ACL grants access to the AllUsers group"
	if policy {
		levels = &finding.BucketLevelPermissions{BucketPolicy: rw}
		how = `its bucket policy allows any principal ("*") with no condition restricting the caller`
	}
	who := "anyone on the internet"
	if typ == TypeBucketPublicAccessGranted {
		how, who = "its ACL grants access to the AuthenticatedUsers group", "every authenticated AWS user"
	}
	if len(f.Resource.S3BucketDetails) > 0 {
		f.Resource.S3BucketDetails[0].PublicAccess = &finding.PublicAccess{EffectivePermission: "PUBLIC",
			PermissionConfiguration: &finding.PermissionConfiguration{BucketLevelPermissions: levels}}
	}
	f.Title = "S3 bucket " + bucket + " was made accessible to " + who + "."
	f.Description = "S3 bucket " + bucket + " was made accessible to " + who + " " + strings.TrimSuffix(by(ev), ".") +
		": " + how + "." + suffix
	return f
}
