package cost

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestProject checks how a month of uploads is projected from object
// dates.
func TestProject(t *testing.T) {
	at := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	type obj struct {
		size int64
		age  time.Duration
	}
	tests := []struct {
		name                string
		objs                []obj
		wantObjects, wantGB float64
		method              string
	}{
		{"empty", nil, 0, 0, "empty"},
		{"old bucket: the last 30 days", []obj{{1e9, 90 * day}, {2e9, 29 * day}, {3e9, time.Hour}, {4e9, 30 * day}, {5e9, 30*day + time.Second}},
			3, 9, "uploads in the 30 days before 2026-03-31"},
		{"old bucket, nothing recent", []obj{{1e9, 100 * day}}, 0, 0, "uploads in the 30 days"},
		{"young bucket: 10 days scaled to 30", []obj{{1e9, 10 * day}, {2e9, day}}, 6, 9, "the 10 days it holds × 30/10"},
		{"part days count whole", []obj{{1e9, 9*day + time.Minute}}, 3, 3, "the 10 days"},
		{"uploaded today", []obj{{1e9, time.Minute}, {1e9, 0}}, 60, 60, "the 1 day it holds × 30/1"},
		{"clock skew: newer than now", []obj{{1e9, -time.Minute}}, 30, 30, "× 30/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := BucketStats{At: at}
			for _, o := range tt.objs {
				s.add(o.size, at.Add(-o.age))
			}
			s.project()
			if s.MonthlyObjects != tt.wantObjects || s.MonthlyBytes != tt.wantGB*1e9 || !strings.Contains(s.Method, tt.method) {
				t.Errorf("month = %v objects, %v bytes (%q); want %v, %v GB (%q)", s.MonthlyObjects, s.MonthlyBytes, s.Method, tt.wantObjects, tt.wantGB, tt.method)
			}
			if s.Objects != int64(len(tt.objs)) {
				t.Errorf("Objects = %d, want %d", s.Objects, len(tt.objs))
			}
		})
	}
}

func TestAddInventoryCSV(t *testing.T) {
	cols, _ := inventoryColumns([]string{"Bucket", "Key", "VersionId", "IsLatest", "IsDeleteMarker", "Size", "LastModifiedDate"})
	in := `"src","a%2Fb.txt","v1","true","false","10","2026-03-01T00:00:00.000Z"
"src","a%2Fb.txt","v0","false","false","5","2026-02-01T00:00:00.000Z"
"src","gone","v2","true","true","","2026-03-02T00:00:00.000Z"
"src","c, with comma","","true","false","1000","2026-03-30T23:59:59Z"
`
	s := BucketStats{At: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)}
	if err := addInventoryCSV(strings.NewReader(in), cols, &s); err != nil {
		t.Fatal(err)
	}
	if s.Objects != 3 || s.Bytes != 1015 || s.RecentObjects != 2 || s.RecentBytes != 1010 {
		t.Errorf("stats = %+v; want 3 objects of 1015 bytes, 2 (1010 bytes) recent; the delete marker skipped", s)
	}
	for _, bad := range []string{
		`"src","k","v","true","false","-1","2026-03-01T00:00:00Z"` + "\n",
		`"src","k","v","true","false","x","2026-03-01T00:00:00Z"` + "\n",
		`"src","k","v","true","false","1","yesterday"` + "\n",
		`"src","k","v","true","false","1"` + "\n",
		`"src","k","v","true","false","1","2026-03-01T00:00:00Z","extra"` + "\n",
		`"src,"k` + "\n",
	} {
		s := BucketStats{At: time.Now()}
		if err := addInventoryCSV(strings.NewReader(bad), cols, &s); err == nil {
			t.Errorf("addInventoryCSV(%q) error = nil, want one", bad)
		}
	}
}

// FuzzInventoryCSV: any data file is read or refused, never a panic, and
// the tallies stay consistent.
func FuzzInventoryCSV(f *testing.F) {
	f.Add([]byte(`"src","k","10","2026-03-01T00:00:00.000Z","false"` + "\n"))
	f.Add([]byte(`"src","k","","2026-03-01T00:00:00Z","true"` + "\n" + `"src","k2","9223372036854775807","2026-03-01T00:00:00Z","false"` + "\n"))
	f.Add([]byte("a,b,c,d,e\n\"unterminated"))
	cols, _ := inventoryColumns([]string{"Bucket", "Key", "Size", "LastModifiedDate", "IsDeleteMarker"})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := BucketStats{At: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)}
		err := addInventoryCSV(bytes.NewReader(b), cols, &s)
		if err != nil {
			return
		}
		s.project()
		if s.Bytes < 0 || s.RecentObjects > s.Objects || s.RecentBytes > s.Bytes || s.MonthlyObjects < 0 || s.MonthlyBytes < 0 {
			t.Errorf("inconsistent stats %+v", s)
		}
	})
}
