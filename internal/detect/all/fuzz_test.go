package all_test

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/source/cloudtrail"
)

// FuzzDetectors feeds every built-in detector CloudTrail records whose
// API name, identity and request parameters come from the fuzzer. The
// detectors decode request parameters themselves (bucket policies, ACLs,
// event selectors, password policies), so they are parsers too: none may
// panic on any input. Detectors are called directly, not through the
// engine, so a panic is not hidden by the engine's recovery.
func FuzzDetectors(f *testing.F) {
	for _, seed := range []struct{ api, identity, params string }{
		{"PutBucketPolicy", "IAMUser", `{"bucketName":"b","bucketPolicy":{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}}`},
		{"PutBucketPolicy", "IAMUser", `{"bucketName":"b","bucketPolicy":"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]}}}"}`},
		{"PutBucketAcl", "IAMUser", `{"bucketName":"b","AccessControlPolicy":{"AccessControlList":{"Grant":{"Grantee":{"URI":"http://acs.amazonaws.com/groups/global/AllUsers"},"Permission":"READ"}}}}`},
		{"PutBucketAcl", "IAMUser", `{"bucketName":"b","x-amz-acl":["public-read"]}`},
		{"PutEventSelectors", "AssumedRole", `{"trailName":"t","eventSelectors":[{"includeManagementEvents":false,"readWriteType":"All"}]}`},
		{"PutEventSelectors", "AssumedRole", `{"trailName":"t","advancedEventSelectors":[{"fieldSelectors":[{"field":"eventCategory","equals":["Data"]}]}]}`},
		{"UpdateAccountPasswordPolicy", "IAMUser", `{"minimumPasswordLength":6,"requireSymbols":"false"}`},
		{"PutBucketPublicAccessBlock", "Root", `{"bucketName":"b","PublicAccessBlockConfiguration":{"BlockPublicAcls":false}}`},
		{"UpdateDetector", "AssumedRole", `{"detectorId":"d","enable":false}`},
		{"PutBucketLogging", "IAMUser", `{"bucketName":"b","BucketLoggingStatus":{}}`},
		{"StopLogging", "Root", `null`},
	} {
		f.Add(seed.api, seed.identity, seed.params)
	}
	dets := detect.Registered()
	f.Fuzz(func(t *testing.T, api, identity, params string) {
		rec := `{"eventVersion":"1.08","userIdentity":{"type":` + quote(identity) + `,"principalId":"AIDAEXAMPLE","accountId":"111122223333","accessKeyId":"AKIAEXAMPLE"},` +
			`"eventTime":"2024-05-01T12:00:00Z","eventSource":"s3.amazonaws.com","eventName":` + quote(api) + `,"awsRegion":"us-east-1",` +
			`"sourceIPAddress":"198.51.100.1","userAgent":"aws-cli/2.15.0 md/distrib#kali","recipientAccountId":"111122223333","requestParameters":` + params + `}`
		ev, err := cloudtrail.ParseRecord([]byte(rec))
		if err != nil {
			return // not a record; the parser's own fuzz tests cover that
		}
		for _, src := range []string{"s3.amazonaws.com", "cloudtrail.amazonaws.com", "iam.amazonaws.com", "guardduty.amazonaws.com", "ec2.amazonaws.com"} {
			e := *ev
			api := *ev.API
			api.EventSource = src
			e.API = &api
			for _, d := range dets {
				if wants(d, event.KindAPICall) {
					d.Detect(&detect.Context{State: detect.NewState(16)}, &e)
				}
			}
		}
	})
}

func wants(d *detect.Detector, k event.Kind) bool {
	for _, dk := range d.Kinds {
		if dk == k {
			return true
		}
	}
	return false
}

// quote makes s a JSON string literal (the fuzzer's strings may hold
// anything).
func quote(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, ' ')
		default:
			b = append(b, string(r)...)
		}
	}
	return string(append(b, '"'))
}
