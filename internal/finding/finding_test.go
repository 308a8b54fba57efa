package finding_test

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/finding"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

// idInput is the input of finding.ID.
type idInput struct{ account, region, typ, key string }

func (in idInput) id() string { return finding.ID(in.account, in.region, in.typ, in.key) }

var baseID = idInput{"111122223333", "us-east-1", "Policy:IAMUser/RootCredentialUsage", "AKIA6ON6E4XEROOTKEY1|ListBuckets"}

func TestIDStable(t *testing.T) {
	// The id is persisted and exported: changing how it is computed turns
	// every repeat of stored activity into a new finding. The value is
	// pinned (sha256 of the NUL-terminated inputs, first 16 bytes).
	const want = "a7dc846b1fd3aeafc3246776ec91b2c4"
	for i := range 3 {
		if got := baseID.id(); got != want {
			t.Fatalf("call %d: ID(%q, %q, %q, %q) = %s, want %s", i, baseID.account, baseID.region, baseID.typ, baseID.key, got, want)
		}
	}
}

func TestIDFormat(t *testing.T) {
	for _, in := range []idInput{baseID, {}, {"a", "b", "c", "d"}, {key: string(make([]byte, 10000))}} {
		if got := in.id(); !hex32.MatchString(got) {
			t.Errorf("ID(%q, %q, %q, %.20q) = %q, want 32 lowercase hex digits", in.account, in.region, in.typ, in.key, got)
		}
	}
}

func TestIDSensitivity(t *testing.T) {
	tests := []struct {
		name string
		a, b idInput
	}{
		{"account", baseID, idInput{"444455556666", baseID.region, baseID.typ, baseID.key}},
		{"region", baseID, idInput{baseID.account, "eu-west-1", baseID.typ, baseID.key}},
		{"type", baseID, idInput{baseID.account, baseID.region, "Policy:IAMUser/ShortTermRootCredentialUsage", baseID.key}},
		{"key", baseID, idInput{baseID.account, baseID.region, baseID.typ, "AKIA6ON6E4XEROOTKEY1|GetObject"}},
		{"empty key", baseID, idInput{baseID.account, baseID.region, baseID.typ, ""}},
		{"fields swapped", idInput{"x", "y", "t", "k"}, idInput{"y", "x", "t", "k"}},
		// Concatenating the fields without a separator would make these equal.
		{"account|region boundary", idInput{"ab", "c", "t", "k"}, idInput{"a", "bc", "t", "k"}},
		{"region|type boundary", idInput{"a", "rb", "c", "k"}, idInput{"a", "r", "bc", "k"}},
		{"type|key boundary", idInput{"a", "r", "tb", "c"}, idInput{"a", "r", "t", "bc"}},
		{"empty first field", idInput{"", "ab", "t", "k"}, idInput{"ab", "", "t", "k"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a, b := tt.a.id(), tt.b.id(); a == b {
				t.Errorf("ID(%q) = ID(%q) = %s, want different ids", tt.a, tt.b, a)
			}
		})
	}
}

func TestARN(t *testing.T) {
	tests := []struct {
		partition, region, account, detector, id string
		want                                     string
	}{
		{"aws", "us-east-1", "111122223333", "7a1c0e5f3b9d4c2e8f6a0b1d2c3e4f50", "a7dc846b1fd3aeafc3246776ec91b2c4",
			"arn:aws:guardduty:us-east-1:111122223333:detector/7a1c0e5f3b9d4c2e8f6a0b1d2c3e4f50/finding/a7dc846b1fd3aeafc3246776ec91b2c4"},
		{"", "eu-west-1", "111122223333", "d1", "f1",
			"arn:aws:guardduty:eu-west-1:111122223333:detector/d1/finding/f1"},
		{"aws-cn", "cn-north-1", "111122223333", "d1", "f1",
			"arn:aws-cn:guardduty:cn-north-1:111122223333:detector/d1/finding/f1"},
		{"aws-us-gov", "us-gov-west-1", "111122223333", "d1", "f1",
			"arn:aws-us-gov:guardduty:us-gov-west-1:111122223333:detector/d1/finding/f1"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := finding.ARN(tt.partition, tt.region, tt.account, tt.detector, tt.id); got != tt.want {
				t.Errorf("ARN(%q, %q, %q, %q, %q) = %q, want %q", tt.partition, tt.region, tt.account, tt.detector, tt.id, got, tt.want)
			}
		})
	}
}

func TestTimeMarshalJSON(t *testing.T) {
	plus2 := time.FixedZone("+02:00", 2*60*60)
	tests := []struct {
		name string
		in   finding.Time
		want string
	}{
		{"zero is null", finding.Time{}, `null`},
		{"milliseconds", finding.Time{time.Date(2019, 10, 4, 3, 29, 5, 958_000_000, time.UTC)}, `"2019-10-04T03:29:05.958Z"`},
		{"whole seconds keep .000", finding.Time{time.Date(2019, 10, 4, 3, 29, 5, 0, time.UTC)}, `"2019-10-04T03:29:05.000Z"`},
		{"nanoseconds truncated, not rounded", finding.Time{time.Date(2019, 10, 4, 3, 29, 5, 999_999_999, time.UTC)}, `"2019-10-04T03:29:05.999Z"`},
		{"other zone converted to Z", finding.Time{time.Date(2019, 10, 4, 5, 29, 5, 958_000_000, plus2)}, `"2019-10-04T03:29:05.958Z"`},
		{"At truncates", finding.At(time.Date(2019, 10, 4, 3, 29, 5, 958_700_000, plus2)), `"2019-10-04T01:29:05.958Z"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.in)
			if err != nil || string(got) != tt.want {
				t.Errorf("json.Marshal(%v) = %s, %v, want %s", tt.in.Time, got, err, tt.want)
			}
		})
	}
}

func TestTimeUnmarshalJSON(t *testing.T) {
	want := time.Date(2019, 10, 4, 3, 29, 5, 958_000_000, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: `"2019-10-04T03:29:05.958Z"`, want: want},
		{in: `"2019-10-04T05:29:05.958+02:00"`, want: want},
		{in: `"2019-10-03T22:29:05.958-05:00"`, want: want},
		{in: `"2019-10-04T03:29:05.958999999Z"`, want: want}, // truncated to ms
		{in: `"2019-10-04T03:29:05.9581Z"`, want: want},
		{in: `"2019-10-04T03:29:05Z"`, want: want.Truncate(time.Second)},
		{in: `null`, want: time.Time{}},
		{in: `"2019-10-04"`, wantErr: true},
		{in: `"2019-10-04 03:29:05Z"`, wantErr: true},
		{in: `"yesterday"`, wantErr: true},
		{in: `1570159745958`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got finding.Time
			err := json.Unmarshal([]byte(tt.in), &got)
			if tt.wantErr {
				if err == nil {
					t.Errorf("Unmarshal(%s) = %v, want an error", tt.in, got.Time)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("Unmarshal(%s) = %v, %v, want %v", tt.in, got.Time, err, tt.want)
			}
			if !got.IsZero() && got.Location() != time.UTC {
				t.Errorf("Unmarshal(%s) location = %v, want UTC", tt.in, got.Location())
			}
		})
	}
}

func TestTimeUnmarshalNullResets(t *testing.T) {
	got := finding.At(time.Date(2019, 10, 4, 3, 29, 5, 0, time.UTC))
	if err := json.Unmarshal([]byte(`null`), &got); err != nil || !got.IsZero() {
		t.Errorf("Unmarshal(null) into a set Time = %v, %v, want the zero time", got.Time, err)
	}
}

func TestTimeString(t *testing.T) {
	in := finding.Time{time.Date(2019, 10, 4, 5, 29, 5, 958_000_000, time.FixedZone("x", 2*60*60))}
	if got, want := in.String(), "2019-10-04T03:29:05.958Z"; got != want {
		t.Errorf("Time(%v).String() = %q, want %q", in.Time, got, want)
	}
}

var (
	t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
	t2 = t0.Add(2 * time.Hour)
	t3 = t0.Add(3 * time.Hour)
)

// occurrence is one detection of the same activity, as the engine makes it.
func occurrence(first, last, updated time.Time, title, api string) finding.Finding {
	return finding.Finding{
		AccountID: "111122223333",
		Region:    "us-east-1",
		ID:        "a7dc846b1fd3aeafc3246776ec91b2c4",
		Type:      "Policy:IAMUser/RootCredentialUsage",
		Title:     title,
		Severity:  2,
		CreatedAt: finding.At(updated),
		UpdatedAt: finding.At(updated),
		Resource:  finding.Resource{ResourceType: finding.ResourceAccessKey, AccessKeyDetails: &finding.AccessKeyDetails{UserName: "Root"}},
		Service: finding.Service{
			Action:         &finding.Action{ActionType: finding.ActionAWSAPICall, AwsAPICallAction: &finding.AwsAPICallAction{API: api}},
			Count:          1,
			EventFirstSeen: finding.At(first),
			EventLastSeen:  finding.At(last),
			ResourceRole:   finding.RoleTarget,
		},
	}
}

// mergeView is what Merge decides, in comparable form.
type mergeView struct {
	Count                         int
	First, Last, Created, Updated time.Time
	Title, API, Feedback          string
	Archived                      bool
}

func view(f finding.Finding) mergeView {
	v := mergeView{
		Count: f.Service.Count, First: f.Service.EventFirstSeen.Time, Last: f.Service.EventLastSeen.Time,
		Created: f.CreatedAt.Time, Updated: f.UpdatedAt.Time,
		Title: f.Title, Feedback: f.Service.UserFeedback, Archived: f.Service.Archived,
	}
	if a := f.Service.Action; a != nil && a.AwsAPICallAction != nil {
		v.API = a.AwsAPICallAction.API
	}
	return v
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name   string
		stored func() finding.Finding
		newer  func() finding.Finding
		want   mergeView
	}{{
		name: "newer occurrence: counts add, details overwritten, last seen moves",
		stored: func() finding.Finding {
			f := occurrence(t0, t1, t1, "old", "ListBuckets")
			f.Service.Count = 3
			return f
		},
		newer: func() finding.Finding { f := occurrence(t2, t3, t3, "new", "GetObject"); f.Service.Count = 2; return f },
		want:  mergeView{Count: 5, First: t0, Last: t3, Created: t1, Updated: t3, Title: "new", API: "GetObject"},
	}, {
		name:   "count 0 in the newer occurrence counts as 1",
		stored: func() finding.Finding { return occurrence(t0, t1, t1, "old", "ListBuckets") },
		newer:  func() finding.Finding { f := occurrence(t2, t2, t2, "new", "GetObject"); f.Service.Count = 0; return f },
		want:   mergeView{Count: 2, First: t0, Last: t2, Created: t1, Updated: t2, Title: "new", API: "GetObject"},
	}, {
		name:   "older occurrence arriving late: details kept, first seen widens, count adds",
		stored: func() finding.Finding { return occurrence(t2, t3, t3, "current", "GetObject") },
		newer:  func() finding.Finding { return occurrence(t0, t1, t1, "stale", "ListBuckets") },
		want:   mergeView{Count: 2, First: t0, Last: t3, Created: t3, Updated: t3, Title: "current", API: "GetObject"},
	}, {
		name:   "same last seen: the arriving occurrence wins",
		stored: func() finding.Finding { return occurrence(t0, t1, t1, "first", "ListBuckets") },
		newer:  func() finding.Finding { return occurrence(t1, t1, t2, "second", "GetObject") },
		want:   mergeView{Count: 2, First: t0, Last: t1, Created: t1, Updated: t2, Title: "second", API: "GetObject"},
	}, {
		name:   "zero first seen in the newer occurrence does not erase it",
		stored: func() finding.Finding { return occurrence(t0, t1, t1, "old", "ListBuckets") },
		newer: func() finding.Finding {
			f := occurrence(t2, t2, t2, "new", "GetObject")
			f.Service.EventFirstSeen = finding.Time{}
			return f
		},
		want: mergeView{Count: 2, First: t0, Last: t2, Created: t1, Updated: t2, Title: "new", API: "GetObject"},
	}, {
		name: "zero first seen in the stored finding is filled",
		stored: func() finding.Finding {
			f := occurrence(t0, t1, t1, "old", "ListBuckets")
			f.Service.EventFirstSeen = finding.Time{}
			return f
		},
		newer: func() finding.Finding { return occurrence(t2, t2, t2, "new", "GetObject") },
		want:  mergeView{Count: 2, First: t2, Last: t2, Created: t1, Updated: t2, Title: "new", API: "GetObject"},
	}, {
		name: "createdAt and user feedback kept",
		stored: func() finding.Finding {
			f := occurrence(t0, t1, t0, "old", "ListBuckets")
			f.Service.UserFeedback = "USEFUL"
			return f
		},
		newer: func() finding.Finding { return occurrence(t2, t2, t2, "new", "GetObject") },
		want:  mergeView{Count: 2, First: t0, Last: t2, Created: t0, Updated: t2, Title: "new", API: "GetObject", Feedback: "USEFUL"},
	}, {
		name: "archived finding that recurs is unarchived",
		stored: func() finding.Finding {
			f := occurrence(t0, t1, t1, "old", "ListBuckets")
			f.Service.Archived = true
			return f
		},
		newer: func() finding.Finding { return occurrence(t2, t2, t2, "new", "GetObject") },
		want:  mergeView{Count: 2, First: t0, Last: t2, Created: t1, Updated: t2, Title: "new", API: "GetObject"},
	}, {
		name: "archived finding is unarchived by a late older occurrence too",
		stored: func() finding.Finding {
			f := occurrence(t2, t3, t3, "current", "GetObject")
			f.Service.Archived = true
			return f
		},
		newer: func() finding.Finding { return occurrence(t0, t1, t1, "stale", "ListBuckets") },
		want:  mergeView{Count: 2, First: t0, Last: t3, Created: t3, Updated: t3, Title: "current", API: "GetObject"},
	}, {
		name:   "an occurrence arriving archived (suppression rule) stays archived",
		stored: func() finding.Finding { return occurrence(t0, t1, t1, "old", "ListBuckets") },
		newer: func() finding.Finding {
			f := occurrence(t2, t2, t2, "new", "GetObject")
			f.Service.Archived = true
			return f
		},
		want: mergeView{Count: 2, First: t0, Last: t2, Created: t1, Updated: t2, Title: "new", API: "GetObject", Archived: true},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, newer := tt.stored(), tt.newer()
			before := view(newer)
			f.Merge(newer)
			if diff := cmp.Diff(tt.want, view(f)); diff != "" {
				t.Errorf("Merge: result differs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, view(newer)); diff != "" {
				t.Errorf("Merge modified its argument (-before +after):\n%s", diff)
			}
		})
	}
}

// TestMergeOrderIndependent checks that the totals do not depend on the
// order in which occurrences arrive, as files are read in any order.
func TestMergeOrderIndependent(t *testing.T) {
	occ := []finding.Finding{
		occurrence(t0, t0, t0, "a", "A"),
		occurrence(t1, t1, t1, "b", "B"),
		occurrence(t3, t3, t3, "d", "D"),
		occurrence(t2, t2, t2, "c", "C"),
	}
	want := mergeView{Count: 4, First: t0, Last: t3, Title: "d", API: "D", Updated: t3}
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}, {1, 3, 0, 2}} {
		f := occ[order[0]]
		for _, i := range order[1:] {
			f.Merge(occ[i])
		}
		got := view(f)
		got.Created = time.Time{} // the first stored occurrence's, by design
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("merging in order %v (-want +got):\n%s", order, diff)
		}
	}
}
