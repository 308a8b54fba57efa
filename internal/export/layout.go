package export

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/finding"
)

// group is the findings of a batch that go into one object.
type group struct {
	account, region, day string // day is "YYYY/MM/DD"
	findings             []finding.Finding
}

// groupBatch splits a batch by account, region and UTC day of updatedAt,
// keeping the batch's order within each group; groups come sorted.
func groupBatch(fs []finding.Finding) []*group {
	byKey := map[[3]string]*group{}
	var groups []*group
	for _, f := range fs {
		day := firstTime(f.UpdatedAt, f.CreatedAt, epoch).UTC().Format("2006/01/02")
		k := [3]string{segment(f.AccountID), segment(f.Region), day}
		g := byKey[k]
		if g == nil {
			g = &group{account: k[0], region: k[1], day: k[2]}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.findings = append(g.findings, f)
	}
	sort.Slice(groups, func(i, j int) bool {
		a, b := groups[i], groups[j]
		return a.account+"\x00"+a.region+"\x00"+a.day < b.account+"\x00"+b.region+"\x00"+b.day
	})
	return groups
}

// segment makes s safe as one key or path segment: letters, digits, '-'
// and '_' stay, anything else becomes '_'; "" becomes "unknown".
func segment(s string) string {
	if s == "" {
		return "unknown"
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// objectName names a group's object: a hash of the batch's idempotency
// key, or of the group's ids and counts when there is none, plus the
// group, so the same batch always gets the same names.
func objectName(batchID string, g *group) string {
	h := sha256.New()
	if batchID != "" {
		h.Write([]byte("batch\x00" + batchID + "\x00"))
	} else {
		for _, f := range g.findings {
			h.Write([]byte(f.ID + "\x00" + strconv.Itoa(f.Service.Count) + "\x00"))
		}
	}
	h.Write([]byte(g.account + "\x00" + g.region + "\x00" + g.day))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// objectKey is where a group's object goes:
// <prefix>/AWSLogs/<account>/GuardDuty/<region>/YYYY/MM/DD/<name><suffix>.
func objectKey(prefix string, g *group, name, suffix string) string {
	key := "AWSLogs/" + g.account + "/GuardDuty/" + g.region + "/" + g.day + "/" + name + suffix
	if p := strings.Trim(prefix, "/"); p != "" {
		key = p + "/" + key
	}
	return key
}

// encode renders findings as gzip-compressed JSON lines. The output is
// the same for the same findings (no name or time in the gzip header).
func encode(fm Format, fs []finding.Finding) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, f := range fs {
		b, err := fm.Render(f)
		if err != nil {
			return nil, err
		}
		zw.Write(b)
		zw.Write([]byte{'\n'})
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
