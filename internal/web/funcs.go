package web

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
)

var funcs = template.FuncMap{
	"sevClass": func(v float64) string { return "sev-" + strings.ToLower(finding.LevelOf(v).String()) },
	"sevName":  func(v float64) string { return finding.LevelOf(v).String() },
	"when":     when,
	"pretty": func(v any) string {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	},
	"rawJSON": func(b json.RawMessage) string {
		var v any
		if json.Unmarshal(b, &v) != nil {
			return string(b)
		}
		out, _ := json.Marshal(v)
		return string(out)
	},
	"join": strings.Join,
	// resourceID is the id of a finding's resource (finding.ResourceID).
	"resourceID": func(f finding.Finding) string { return finding.ResourceID(&f) },
}

// when formats a time for people, in UTC; zero times are "—".
func when(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case finding.Time:
		t = x.Time
	case *finding.Time:
		if x != nil {
			t = x.Time
		}
	}
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
