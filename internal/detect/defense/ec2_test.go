package defense

import (
	"slices"
	"testing"
)

func TestEC2DisableOrModifyTools(t *testing.T) {
	const deleteOne = `{"eventName": "DeleteFlowLogs", "readOnly": false,
	  "requestParameters": {"DeleteFlowLogsRequest": {"FlowLogId": {"tag": 1, "content": "fl-0bd5a5e6e3a3d1e4b"}}},
	  "responseElements": {"DeleteFlowLogsResponse": {"xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/", "requestId": "8d6a5f4e-1234-4c1d-9d7e-0a1b2c3d4e5f", "unsuccessful": ""}}}`
	tests := []struct {
		name    string
		patches []string
		want    []string
	}{
		{"delete flow log", []string{deleteOne}, []string{TypeEC2DisableOrModifyTools + " 8"}},
		{"delete several flow logs", []string{`{"eventName": "DeleteFlowLogs", "readOnly": false, "requestParameters": {"DeleteFlowLogsRequest":
		  {"FlowLogId": [{"tag": 1, "content": "fl-0bd5a5e6e3a3d1e4b"}, {"tag": 2, "content": "fl-0123456789abcdef0"}]}}}`}, []string{TypeEC2DisableOrModifyTools + " 8"}},
		{"failed delete", []string{deleteOne, `{"errorCode": "Client.UnauthorizedOperation", "errorMessage": "You are not authorized to perform this operation."}`}, nil},
		{"create flow logs", []string{`{"eventName": "CreateFlowLogs", "readOnly": false, "requestParameters": {"CreateFlowLogsRequest": {"ResourceId": {"tag": 1, "content": "vpc-0a1b2c3d"}}}}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := got(run(t, record(t, tt.patches...))); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestVPCFlowLogsDeletedDetails(t *testing.T) {
	fs := run(t, record(t, `{"eventName": "DeleteFlowLogs", "readOnly": false, "requestParameters": {"DeleteFlowLogsRequest":
	  {"FlowLogId": [{"tag": 1, "content": "fl-0bd5a5e6e3a3d1e4b"}, {"tag": 2, "content": "fl-0123456789abcdef0"}]}}}`))
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	f := fs[0]
	if want := `{"signal":"VPCFlowLogsDeleted"}`; f.Service.AdditionalInfo == nil || f.Service.AdditionalInfo.Value != want || f.Service.AdditionalInfo.Type != "default" {
		t.Errorf("additionalInfo = %+v, want value %s", f.Service.AdditionalInfo, want)
	}
	if want := "VPC flow logs fl-0bd5a5e6e3a3d1e4b,fl-0123456789abcdef0 were deleted."; f.Title != want {
		t.Errorf("title = %q, want %q", f.Title, want)
	}
	if want := "AKIA6ON6E4XEHEXAMPLE|DeleteFlowLogs|AWS::EC2::FlowLog=fl-0bd5a5e6e3a3d1e4b,fl-0123456789abcdef0"; f.AggregationKey != want {
		t.Errorf("key = %q, want %q", f.AggregationKey, want)
	}
}
