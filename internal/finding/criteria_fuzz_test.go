package finding_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/vigil-sec/vigil/internal/finding"
)

// FuzzParseCriteria parses arbitrary bytes: ParseCriteria never panics,
// fails only with ErrBadCriteria, and criteria it accepts match sample
// findings without panicking, with Prefilter a superset of Match.
//
//	go test ./internal/finding -run XXX -fuzz FuzzParseCriteria -fuzztime 20s
func FuzzParseCriteria(f *testing.F) {
	for _, seed := range []string{
		``,
		`null`,
		`{}`,
		`{"criterion":{}}`,
		`{"criterion":{"severity":{"greaterThanOrEqual":7},"type":{"equals":["UnauthorizedAccess:EC2/SSHBruteForce"]},"service.archived":{"equals":["false"]},"updatedAt":{"greaterThan":1486685375000}}}`,
		`{"criterion":{"severity":{"eq":["1","2","3"],"neq":["2.5"]},"service.count":{"gt":1,"lte":100}}}`,
		`{"criterion":{"updatedAt":{"eq":["2024-05-01T12:05:00.456Z","1714565100456"]},"service.eventLastSeen":{"lt":-1}}}`,
		`{"criterion":{"resource.instanceDetails.tags.value":{"neq":["bastion"]},"service.action.portProbeAction.portProbeDetails.localPortDetails.port":{"gte":0,"lt":1024}}}`,
		`{"criterion":{"service.additionalInfo.threatListName":{"eq":["ProofPoint"]},"service.action.networkConnectionAction.blocked":{"eq":["TRUE"]}}}`,
		`{"criterion":{"accountId":{"eq":["1"],"equals":["1","2"]},"region":{"notEquals":["x"]}}}`,
		`{"Criterion":{"severity":{"Gte":7}}}`,
		`{"criterion":{"severity":{"gt":"7"}}}`,
		`{"criterion":{"severity":{"lte":1e400}}}`,
		`{"criterion":{"type":{"eq":[null]}}}`,
		`{"criterion":{"type":{"eq":["a"],"eq":["b"]}}}`,
		`{"criterion":{"type":`,
	} {
		f.Add([]byte(seed))
	}
	rich, brute, empty := richFinding(), bruteForce(), finding.Finding{}
	samples := []*finding.Finding{&rich, &brute, &empty}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := finding.ParseCriteria(raw)
		if err != nil {
			if !errors.Is(err, finding.ErrBadCriteria) {
				t.Fatalf("ParseCriteria(%q) = %v, which does not wrap ErrBadCriteria", raw, err)
			}
			return
		}
		q := c.Prefilter()
		for _, s := range samples {
			if c.Match(s) && !q.Match(s) {
				t.Fatalf("ParseCriteria(%q) matches a sample its Prefilter() %+v does not", raw, q)
			}
		}
		fields := c.Fields()
		if len(fields) > 50 || !slices.IsSorted(fields) {
			t.Fatalf("ParseCriteria(%q).Fields() = %q, want at most 50, sorted", raw, fields)
		}
		for _, p := range fields {
			if _, ok := finding.SortValue(&rich, p); !ok {
				t.Fatalf("ParseCriteria(%q) accepted field %q that SortValue does not know", raw, p)
			}
		}
	})
}
