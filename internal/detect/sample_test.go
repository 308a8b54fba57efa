package detect

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

func TestSampleFinding(t *testing.T) {
	now := time.Date(2024, 5, 2, 8, 0, 0, 0, time.UTC)
	def := Definition{Type: "Test:IAMUser/Generic", Severity: 5, Title: "Something happened.", Description: "Generic description."}

	t.Run("generic", func(t *testing.T) {
		f := SampleFinding(&Detector{Name: "test.generic"}, def, "111122223333", "eu-west-1", DefaultDetectorID, now)
		if f.Title != "[SAMPLE] Something happened." || f.Description != "Generic description." || f.Severity != 5 {
			t.Errorf("title %q description %q severity %v", f.Title, f.Description, f.Severity)
		}
		if f.AccountID != "111122223333" || f.Region != "eu-west-1" || f.Resource.ResourceType != "AccessKey" || f.Service.Action == nil {
			t.Errorf("account %q region %q resource %+v", f.AccountID, f.Region, f.Resource)
		}
		if f.Service.AdditionalInfo == nil || f.Service.AdditionalInfo.Value != `{"sample":true}` || f.Service.AdditionalInfo.Type != "default" {
			t.Errorf("additionalInfo = %+v", f.Service.AdditionalInfo)
		}
		if f.ID == "" || !strings.HasSuffix(f.Arn, "/finding/"+f.ID) || f.Service.Count != 1 || f.CreatedAt.Time != now {
			t.Errorf("id %q arn %q count %d created %v", f.ID, f.Arn, f.Service.Count, f.CreatedAt)
		}
		again := SampleFinding(nil, def, "111122223333", "eu-west-1", DefaultDetectorID, now)
		if again.ID != f.ID {
			t.Errorf("sample ids differ: %s, %s", again.ID, f.ID)
		}
	})

	t.Run("detector sample", func(t *testing.T) {
		d := &Detector{Name: "test.custom", Sample: func(typ string) finding.Finding {
			f := APICallFinding(typ, SampleEvent("ec2.amazonaws.com", "DeleteFlowLogs", ""), nil)
			f.Title = "Flow logs deleted."
			f.Severity = 8
			f.Service.AdditionalInfo = Info(map[string]string{"signal": "VPCFlowLogsDeleted"})
			return f
		}}
		f := SampleFinding(d, def, "111122223333", "cn-north-1", DefaultDetectorID, now)
		if f.Title != "[SAMPLE] Flow logs deleted." || f.Severity != 8 || f.Service.Action.AwsAPICallAction.API != "DeleteFlowLogs" {
			t.Errorf("title %q severity %v action %+v", f.Title, f.Severity, f.Service.Action.AwsAPICallAction)
		}
		if want := `{"sample":true,"signal":"VPCFlowLogsDeleted"}`; f.Service.AdditionalInfo.Value != want {
			t.Errorf("additionalInfo = %s, want %s", f.Service.AdditionalInfo.Value, want)
		}
		if !strings.HasPrefix(f.Arn, "arn:aws-cn:guardduty:cn-north-1:111122223333:") || f.Partition != "aws-cn" {
			t.Errorf("arn %q partition %q", f.Arn, f.Partition)
		}
	})
}
