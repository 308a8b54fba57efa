package finding_test

import (
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
)

func TestQueryMatch(t *testing.T) {
	yes, no := true, false
	f := finding.Finding{
		AccountID: "111122223333",
		Region:    "us-east-1",
		Type:      "Stealth:IAMUser/CloudTrailLoggingDisabled",
		Severity:  5,
	}
	archived := f
	archived.Service.Archived = true
	tests := []struct {
		name string
		q    finding.Query
		f    finding.Finding
		want bool
	}{
		{"zero query matches", finding.Query{}, f, true},
		{"zero query matches archived", finding.Query{}, archived, true},
		{"paging and sort do not filter", finding.Query{SortBy: finding.SortSeverity, Desc: true, Limit: 1, PageToken: "x"}, f, true},

		{"min severity equal", finding.Query{MinSeverity: 5}, f, true},
		{"min severity below", finding.Query{MinSeverity: 4.9}, f, true},
		{"min severity above", finding.Query{MinSeverity: 5.1}, f, false},

		{"max severity above", finding.Query{MaxSeverity: 5.1}, f, true},
		{"max severity equal is exclusive", finding.Query{MaxSeverity: 5}, f, false},
		{"max severity below", finding.Query{MaxSeverity: 4}, f, false},
		{"severity band", finding.Query{MinSeverity: finding.Medium.Min(), MaxSeverity: finding.High.Min()}, f, true},
		{"severity band above", finding.Query{MinSeverity: finding.High.Min(), MaxSeverity: finding.Critical.Min()}, f, false},

		{"type prefix", finding.Query{TypePrefix: "Stealth:"}, f, true},
		{"type exact", finding.Query{TypePrefix: f.Type}, f, true},
		{"type other prefix", finding.Query{TypePrefix: "Policy:"}, f, false},
		{"type prefix is case sensitive", finding.Query{TypePrefix: "stealth:"}, f, false},
		{"type prefix is a prefix, not a substring", finding.Query{TypePrefix: "IAMUser"}, f, false},

		{"account", finding.Query{AccountID: "111122223333"}, f, true},
		{"other account", finding.Query{AccountID: "444455556666"}, f, false},
		{"account is not a prefix", finding.Query{AccountID: "1111"}, f, false},

		{"region", finding.Query{Region: "us-east-1"}, f, true},
		{"other region", finding.Query{Region: "eu-west-1"}, f, false},

		{"archived only, current finding", finding.Query{Archived: &yes}, f, false},
		{"archived only, archived finding", finding.Query{Archived: &yes}, archived, true},
		{"current only, current finding", finding.Query{Archived: &no}, f, true},
		{"current only, archived finding", finding.Query{Archived: &no}, archived, false},

		{"all filters", finding.Query{MinSeverity: 4, MaxSeverity: 7, TypePrefix: "Stealth:", AccountID: "111122223333", Region: "us-east-1", Archived: &no}, f, true},
		{"all filters but one region", finding.Query{MinSeverity: 4, MaxSeverity: 7, TypePrefix: "Stealth:", AccountID: "111122223333", Region: "us-west-2", Archived: &no}, f, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.q.Match(&tt.f); got != tt.want {
				t.Errorf("%+v.Match(%s sev %v in %s/%s archived %t) = %t, want %t",
					tt.q, tt.f.Type, tt.f.Severity, tt.f.AccountID, tt.f.Region, tt.f.Service.Archived, got, tt.want)
			}
		})
	}
}
