package s3

import (
	"bytes"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/vigil-sec/vigil/internal/detect"
)

// restrictingKeys are condition keys that limit who can use a statement
// with Principal "*": such a statement does not open a bucket to anyone.
var restrictingKeys = map[string]bool{
	"aws:sourceip": true, "aws:sourcevpc": true, "aws:sourcevpce": true, "aws:principalorgid": true,
	"aws:principalorgpaths": true, "aws:principalaccount": true, "aws:sourceaccount": true,
	"aws:sourcearn": true, "aws:principalarn": true, "aws:userid": true, "aws:username": true,
}

// statement is one statement of a bucket policy.
type statement struct {
	Effect    string                                `json:"Effect"`
	Principal json.RawMessage                       `json:"Principal"`
	Action    detect.Strings                        `json:"Action"`
	NotAction json.RawMessage                       `json:"NotAction"`
	Condition map[string]map[string]json.RawMessage `json:"Condition"`
}

type policyDoc struct {
	Statement detect.List[statement] `json:"Statement"`
}

// decodePolicy decodes a bucketPolicy request parameter, which CloudTrail
// writes as a JSON object (or, from some clients, a JSON string).
func decodePolicy(raw json.RawMessage) (policyDoc, bool) {
	var doc policyDoc
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return doc, false
		}
		raw = []byte(s)
	}
	return doc, len(raw) > 0 && json.Unmarshal(raw, &doc) == nil
}

// anonymous reports whether the policy lets anyone (Principal "*" or
// {"AWS": "*"}) in without a restricting condition, and whether that
// access reads and/or writes.
func (d *policyDoc) anonymous() (read, write bool) {
	for _, st := range d.Statement {
		if !strings.EqualFold(st.Effect, "Allow") || !anyone(st.Principal) || restricted(st.Condition) {
			continue
		}
		r, w := access(st)
		read, write = read || r, write || w
	}
	return read, write
}

func anyone(p json.RawMessage) bool {
	var s detect.Strings
	if json.Unmarshal(p, &s) == nil && s.Contains("*") {
		return true
	}
	var m map[string]detect.Strings
	return json.Unmarshal(p, &m) == nil && m["AWS"].Contains("*")
}

func restricted(cond map[string]map[string]json.RawMessage) bool {
	for _, keys := range cond {
		for k := range keys {
			if restrictingKeys[strings.ToLower(k)] {
				return true
			}
		}
	}
	return false
}

// access classifies a statement's actions as reads and/or writes.
func access(st statement) (read, write bool) {
	if len(st.NotAction) > 0 && string(st.NotAction) != "null" {
		return true, true // everything but some actions
	}
	for _, a := range st.Action {
		a = strings.TrimPrefix(strings.ToLower(a), "s3:")
		switch {
		case a == "*":
			return true, true
		case strings.HasPrefix(a, "get"), strings.HasPrefix(a, "list"), strings.HasPrefix(a, "head"):
			read = true
		default:
			write = true
		}
	}
	return read, write
}
