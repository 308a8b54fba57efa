package slack_test

import (
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify/desttest"
	"github.com/vigil-sec/vigil/internal/notify/slack"
	"github.com/vigil-sec/vigil/internal/runbook"
)

// FuzzSlackPayload fills a finding's free-text fields with random text
// and checks that the payload is JSON within Slack's limits, with finding
// text escaped, for a single finding and for a digest.
func FuzzSlackPayload(f *testing.F) {
	f.Add("Backdoor:EC2/C&CActivity.B", "title", "description", "alice", "bucket", "key", "111122223333", "eu-west-1", "meaning", "step", 8.0, 3, "https://vigil.example/console/", false)
	f.Add("<!channel>", "<https://evil|x>", "&&&&", "<@U1>", "", "a/b", "", "", "", "", -1.0, -5, "", true)
	f.Add(strings.Repeat("T", 300), strings.Repeat("é<", 2000), strings.Repeat("&", 5000), strings.Repeat("u", 3000), "", "", "1", "r", strings.Repeat("m&", 3000), strings.Repeat("s<", 3000), 10.0, 1<<30, "https://x/"+strings.Repeat("c", 3000), true)
	f.Fuzz(func(t *testing.T, typ, title, desc, user, bucket, key, account, region, meaning, step string, sev float64, count int, console string, digest bool) {
		fd := desttest.AccessKeyFinding()
		fd.Type, fd.Title, fd.Description, fd.AccountID, fd.Region = typ, title, desc, account, region
		fd.ID = title + key
		fd.Severity = sev
		fd.Service.Count = count
		fd.Resource.AccessKeyDetails.UserName = user
		if bucket != "" {
			fd.Resource = finding.Resource{ResourceType: finding.ResourceS3Object, S3BucketDetails: []finding.S3BucketDetail{{Name: bucket, S3ObjectDetails: []finding.S3ObjectDetail{{Key: key}}}}}
		}
		rb := func(string) (runbook.Runbook, bool) {
			return runbook.Runbook{Meaning: meaning, Investigate: []string{step, step, step}, Respond: []string{step}}, meaning != ""
		}
		s, err := slack.New("fuzz", "https://hooks.slack.com/services/T/B/X", slack.Options{Runbook: rb, DigestMax: 30})
		if err != nil {
			t.Fatal(err)
		}
		fs := []finding.Finding{fd}
		if digest {
			for range 40 {
				fs = append(fs, fd)
			}
		}
		m := desttest.Message(fs...)
		m.ConsoleURL = console
		m.Update = count%2 == 0
		body, err := s.Payload(m)
		if err != nil {
			t.Fatalf("Payload: %v", err)
		}
		checkLimits(t, body)
	})
}
