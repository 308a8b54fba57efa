package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// pageToken is what a ListFindings nextToken carries: the listing it
// continues (fingerprint) and where it stopped, the store's own page token
// or, for an in-memory sort, the sort value and id of the last finding.
type pageToken struct {
	Fingerprint string      `json:"f"`
	Store       string      `json:"s,omitempty"`
	Cursor      *sortCursor `json:"c,omitempty"`
}

// fingerprint identifies a listing: its criteria (in canonical JSON, as
// SDKs send map members in any order) and sort. A nextToken is only good
// for the listing it came from.
func fingerprint(criteria json.RawMessage, sp sortSpec) (string, error) {
	canon := []byte("null")
	if len(criteria) > 0 {
		var v any
		if err := json.Unmarshal(criteria, &v); err != nil {
			return "", badRequest("findingCriteria: malformed JSON: %v", err)
		}
		canon, _ = json.Marshal(v) // object members sorted by name
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%t\x00", canon, sp.attr, sp.desc)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16]), nil
}

// sealToken encodes t with an HMAC over it and the detector id:
// base64url(JSON) "." base64url(MAC).
func (s *Server) sealToken(t pageToken) string {
	body, _ := json.Marshal(t) // strings and numbers only
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + base64.RawURLEncoding.EncodeToString(s.tokenMAC(payload))
}

func (s *Server) tokenMAC(payload string) []byte {
	m := hmac.New(sha256.New, s.tokenKey)
	m.Write([]byte(s.opts.DetectorID + "\x00" + payload))
	return m.Sum(nil)
}

// openToken verifies and decodes a nextToken of the listing fp. A token
// that was altered, made by another process or for another listing is a
// BadRequestException.
func (s *Server) openToken(tok, fp string) (pageToken, error) {
	var t pageToken
	payload, sig, ok := strings.Cut(tok, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, s.tokenMAC(payload)) {
		return t, badRequest("invalid nextToken")
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(body, &t) != nil {
		return t, badRequest("invalid nextToken")
	}
	if t.Fingerprint != fp {
		return t, badRequest("invalid nextToken: it continues a listing with other findingCriteria or sortCriteria")
	}
	return t, nil
}

// sortCursor is a finding.SortValue (float64, time.Time or string) and a
// finding id, in JSON.
type sortCursor struct {
	Kind string  `json:"k"` // "n", "t" or "s"
	Num  float64 `json:"n,omitempty"`
	Str  string  `json:"s,omitempty"`
	ID   string  `json:"id"`
}

func newSortCursor(v any, id string) (*sortCursor, error) {
	c := &sortCursor{ID: id}
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("sort value %v cannot be paged", x)
		}
		c.Kind, c.Num = "n", x
	case time.Time:
		c.Kind, c.Num = "t", float64(x.UnixMilli())
	case string:
		c.Kind, c.Str = "s", x
	default:
		return nil, fmt.Errorf("sort value of type %T cannot be paged", v)
	}
	return c, nil
}

func (c *sortCursor) value() (any, error) {
	switch c.Kind {
	case "n":
		return c.Num, nil
	case "t":
		return time.UnixMilli(int64(c.Num)).UTC(), nil
	case "s":
		return c.Str, nil
	}
	return nil, fmt.Errorf("unknown cursor kind %q", c.Kind)
}

// --- GetFindings ---

type getFindingsInput struct {
	FindingIDs   []string      `json:"findingIds"`
	SortCriteria *sortCriteria `json:"sortCriteria"`
}
