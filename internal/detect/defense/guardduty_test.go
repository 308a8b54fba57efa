package defense

import (
	"slices"
	"testing"
)

func TestGuardDutyDisableOrModifyTools(t *testing.T) {
	gd := func(name, params string) string {
		return `{"eventSource": "guardduty.amazonaws.com", "eventName": "` + name + `", "readOnly": false, "requestParameters": ` + params + `}`
	}
	const detector = `"detectorId": "12abc34d567e8fa901bc2d34e56789f0"`
	high, medium := []string{TypeGuardDutyDisableOrModifyTools + " 8"}, []string{TypeGuardDutyDisableOrModifyTools + " 5"}
	tests := []struct {
		name    string
		patches []string
		want    []string
	}{
		{"delete detector", []string{gd("DeleteDetector", `{`+detector+`}`)}, high},
		{"disable detector", []string{gd("UpdateDetector", `{`+detector+`, "enable": false}`)}, high},
		{"disable detector, string flag", []string{gd("UpdateDetector", `{`+detector+`, "enable": "false"}`)}, high},
		{"enable detector", []string{gd("UpdateDetector", `{`+detector+`, "enable": true}`)}, nil},
		{"change publishing frequency", []string{gd("UpdateDetector", `{`+detector+`, "findingPublishingFrequency": "FIFTEEN_MINUTES"}`)}, nil},
		{"failed delete detector", []string{gd("DeleteDetector", `{`+detector+`}`), `{"errorCode": "AccessDeniedException"}`}, nil},
		{"create IP set", []string{gd("CreateIPSet", `{`+detector+`, "name": "office", "format": "TXT", "location": "https://s3.amazonaws.com/lists/trusted.txt", "activate": true}`),
			`{"responseElements": {"ipSetId": "0cb0141ab9fbde177613ab9436212e90"}}`}, medium},
		{"update IP set", []string{gd("UpdateIPSet", `{`+detector+`, "ipSetId": "0cb0141ab9fbde177613ab9436212e90", "activate": true}`)}, medium},
		{"delete IP set", []string{gd("DeleteIPSet", `{`+detector+`, "ipSetId": "0cb0141ab9fbde177613ab9436212e90"}`)}, medium},
		{"create threat intel set", []string{gd("CreateThreatIntelSet", `{`+detector+`, "name": "bad", "format": "TXT", "location": "https://s3.amazonaws.com/lists/bad.txt", "activate": true}`)}, medium},
		{"update threat intel set", []string{gd("UpdateThreatIntelSet", `{`+detector+`, "threatIntelSetId": "9cb0141ab9fbde177613ab9436212e91", "activate": false}`)}, medium},
		{"delete threat intel set", []string{gd("DeleteThreatIntelSet", `{`+detector+`, "threatIntelSetId": "9cb0141ab9fbde177613ab9436212e91"}`)}, medium},
		{"list detectors", []string{gd("ListDetectors", `null`)}, nil},
		{"get findings", []string{gd("GetFindings", `{`+detector+`, "findingIds": ["a"]}`)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := got(run(t, record(t, tt.patches...))); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestGuardDutySignals(t *testing.T) {
	fs := run(t,
		record(t, `{"eventSource": "guardduty.amazonaws.com", "eventName": "CreateIPSet", "readOnly": false,
		  "requestParameters": {"detectorId": "12abc34d567e8fa901bc2d34e56789f0", "name": "office", "format": "TXT", "location": "https://s3.amazonaws.com/lists/trusted.txt", "activate": true},
		  "responseElements": {"ipSetId": "0cb0141ab9fbde177613ab9436212e90"}}`),
		record(t, `{"eventSource": "guardduty.amazonaws.com", "eventName": "DeleteDetector", "readOnly": false,
		  "requestParameters": {"detectorId": "12abc34d567e8fa901bc2d34e56789f0"}}`))
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want 2", len(fs))
	}
	for i, want := range []struct{ info, title, key string }{
		{`{"signal":"GuardDutyThreatListsModified"}`, "GuardDuty trusted IP or threat list 0cb0141ab9fbde177613ab9436212e90 was modified.",
			"AKIA6ON6E4XEHEXAMPLE|CreateIPSet|AWS::GuardDuty::Detector=12abc34d567e8fa901bc2d34e56789f0,AWS::GuardDuty::IPSet=0cb0141ab9fbde177613ab9436212e90"},
		{`{"signal":"GuardDutyDetectorDisabled"}`, "GuardDuty detector 12abc34d567e8fa901bc2d34e56789f0 was disabled.",
			"AKIA6ON6E4XEHEXAMPLE|DeleteDetector|AWS::GuardDuty::Detector=12abc34d567e8fa901bc2d34e56789f0"},
	} {
		f := fs[i]
		if f.Service.AdditionalInfo.Value != want.info || f.Title != want.title || f.AggregationKey != want.key {
			t.Errorf("finding %d: additionalInfo %s, title %q, key %q; want %s, %q, %q", i, f.Service.AdditionalInfo.Value, f.Title, f.AggregationKey,
				want.info, want.title, want.key)
		}
	}
}
