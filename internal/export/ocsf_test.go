package export

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
)

// ocsfRule is one requirement of OCSF 1.1.0's Detection Finding (and the
// objects it uses) on a decoded event; it returns "" when met.
type ocsfRule struct {
	name  string
	check func(ev map[string]any, f *finding.Finding) string
}

var ocsfRules = []ocsfRule{
	{"class_uid 2004", func(ev map[string]any, _ *finding.Finding) string { return wantNum(ev, "class_uid", 2004) }},
	{"category_uid 2", func(ev map[string]any, _ *finding.Finding) string { return wantNum(ev, "category_uid", 2) }},
	{"activity_id Create or Update", func(ev map[string]any, f *finding.Finding) string {
		want := 1.0
		if f.Service.Count > 1 || f.UpdatedAt.After(f.CreatedAt.Time) {
			want = 2
		}
		return wantNum(ev, "activity_id", want)
	}},
	{"type_uid = class_uid*100 + activity_id", func(ev map[string]any, _ *finding.Finding) string {
		a, _ := ev["activity_id"].(float64)
		return wantNum(ev, "type_uid", 200400+a)
	}},
	{"time in epoch ms", func(ev map[string]any, f *finding.Finding) string {
		want := firstTime(f.UpdatedAt, f.CreatedAt)
		if want.IsZero() {
			return wantNum(ev, "time", 0)
		}
		return wantNum(ev, "time", float64(want.UnixMilli()))
	}},
	{"severity_id from the band", func(ev map[string]any, f *finding.Finding) string {
		want := map[finding.Level]float64{finding.Low: 2, finding.Medium: 3, finding.High: 4, finding.Critical: 5}[finding.LevelOf(f.Severity)]
		return wantNum(ev, "severity_id", want)
	}},
	{"status_id New or Suppressed", func(ev map[string]any, f *finding.Finding) string {
		return wantNum(ev, "status_id", map[bool]float64{false: 1, true: 3}[f.Service.Archived])
	}},
	{"metadata.version and product", func(ev map[string]any, _ *finding.Finding) string {
		if get(ev, "metadata.version") != "1.1.0" || get(ev, "metadata.product.vendor_name") != "Vigil" || get(ev, "metadata.product.name") != "Vigil" {
			return fmt.Sprintf("metadata %v", ev["metadata"])
		}
		return ""
	}},
	{"finding_info uid and title", func(ev map[string]any, f *finding.Finding) string {
		if uid := get(ev, "finding_info.uid"); uid == "" || (f.Arn != "" && uid != f.Arn) {
			return fmt.Sprintf("finding_info.uid %q, want %q", uid, f.Arn)
		}
		if get(ev, "finding_info.title") == "" {
			return "no finding_info.title"
		}
		if f.Type != "" && fmt.Sprint(getAny(ev, "finding_info.types")) != fmt.Sprint([]any{f.Type}) {
			return fmt.Sprintf("finding_info.types %v", getAny(ev, "finding_info.types"))
		}
		return ""
	}},
	{"cloud profile: provider AWS, account, region", func(ev map[string]any, f *finding.Finding) string {
		if get(ev, "cloud.provider") != "AWS" || get(ev, "cloud.region") != f.Region || get(ev, "cloud.account.uid") != f.AccountID {
			return fmt.Sprintf("cloud %v", ev["cloud"])
		}
		return ""
	}},
	{"resources have uid and type", func(ev map[string]any, _ *finding.Finding) string {
		rs, _ := ev["resources"].([]any)
		if len(rs) == 0 {
			return "no resources"
		}
		for _, r := range rs {
			r := r.(map[string]any)
			if r["uid"] == "" || r["type"] == "" {
				return fmt.Sprintf("resource %v", r)
			}
		}
		return ""
	}},
	{"evidences: at least one artifact each; objects' required fields", func(ev map[string]any, _ *finding.Finding) string {
		es, _ := ev["evidences"].([]any)
		for _, e := range es {
			if msg := checkEvidence(e.(map[string]any)); msg != "" {
				return msg
			}
		}
		return ""
	}},
	{"remote address in an evidence endpoint", func(ev map[string]any, f *finding.Finding) string {
		for _, r := range f.RemoteIPs() {
			ip := firstNonEmpty(r.IPAddressV4, r.IPAddressV6)
			if ip != "" && !strings.Contains(fmt.Sprint(ev["evidences"]), "ip:"+ip) {
				return "remote address " + ip + " is in no evidence"
			}
		}
		return ""
	}},
	{"observables have name, type_id, value", func(ev map[string]any, _ *finding.Finding) string {
		os, _ := ev["observables"].([]any)
		for _, o := range os {
			o := o.(map[string]any)
			if o["name"] == "" || o["value"] == "" || o["type_id"] == nil {
				return fmt.Sprintf("observable %v", o)
			}
		}
		return ""
	}},
}

// checkEvidence applies the evidences object's at_least_one constraint and
// the required attributes of what it holds.
func checkEvidence(e map[string]any) string {
	artifacts := 0
	for _, k := range []string{"actor", "api", "connection_info", "data", "dst_endpoint", "file", "process", "query", "src_endpoint"} {
		if _, ok := e[k]; ok {
			artifacts++
		}
	}
	switch {
	case artifacts == 0:
		return fmt.Sprintf("evidence with no artifact: %v", e)
	case e["api"] != nil && get(e, "api.operation") == "":
		return "api without operation"
	case e["query"] != nil && get(e, "query.hostname") == "":
		return "query without hostname"
	case e["connection_info"] != nil && getAny(e, "connection_info.direction_id") == nil:
		return "connection_info without direction_id"
	case e["file"] != nil && (get(e, "file.name") == "" || getAny(e, "file.type_id") == nil):
		return "file without name or type_id"
	case e["actor"] != nil && get(e, "actor.user.name") == "" && get(e, "actor.user.uid") == "":
		return "actor.user with neither name nor uid"
	}
	for _, k := range []string{"src_endpoint", "dst_endpoint"} {
		ep, ok := e[k].(map[string]any)
		if !ok {
			continue
		}
		if ep["ip"] == nil && ep["port"] == nil && ep["domain"] == nil {
			return k + " with no address or port"
		}
		if loc, ok := ep["location"].(map[string]any); ok && loc["city"] == nil && loc["country"] == nil {
			return k + ".location with neither city nor country"
		}
	}
	return ""
}

func TestOCSFDetectionFindingRequirements(t *testing.T) {
	cases := corpus(t)
	cases = append(cases, named{"empty", finding.Finding{}},
		named{"archived, no times", finding.Finding{ID: "x", Type: "Recon:EC2/Portscan", Severity: 5, Service: finding.Service{Archived: true}}})
	for _, n := range cases {
		b, err := OCSF(n.f)
		if err != nil {
			t.Fatalf("%s: %v", n.name, err)
		}
		var ev map[string]any
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("%s: %v", n.name, err)
		}
		for _, r := range ocsfRules {
			if msg := r.check(ev, &n.f); msg != "" {
				t.Errorf("%s: %s: %s", n.name, r.name, msg)
			}
		}
	}
}

func TestOCSFEvidenceShapes(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		want []string // substrings of the evidences' JSON
	}{
		{"UnauthorizedAccess:EC2/SSHBruteForce", []string{`"direction_id":1`, `"protocol_name":"tcp"`, `"port":22`}},
		{"Trojan:EC2/DGADomainRequest.C!DNS", []string{`"query":{"hostname":`, `"direction_id":2`}},
		{"Recon:IAMUser/MaliciousIPCaller", []string{`"api":{"operation":`, `"actor":{"user":`}},
		{"Recon:EC2/PortProbeUnprotectedPort", []string{`"direction_id":1`, `"dst_endpoint":{"ip":`}},
	} {
		f := sample(t, tc.typ)
		b, err := json.Marshal(ocsfEvidences(&f))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s: evidences %s lack %s", tc.typ, b, w)
			}
		}
	}
	f := fixture(t, "../protect/testdata/finding-malicious-file.json")
	b, _ := json.Marshal(ocsfEvidences(&f))
	for _, w := range []string{`"name":"eicar.com"`, `"path":"incoming/report.zip!eicar.com"`, `"algorithm_id":3`} {
		if !strings.Contains(string(b), w) {
			t.Errorf("malware evidences %s lack %s", b, w)
		}
	}
}

func wantNum(ev map[string]any, key string, want float64) string {
	if got, ok := ev[key].(float64); !ok || got != want {
		return fmt.Sprintf("%s = %v, want %v", key, ev[key], want)
	}
	return ""
}

// getAny follows a dotted path through nested objects.
func getAny(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func get(v any, path string) string {
	s, _ := getAny(v, path).(string)
	return s
}
