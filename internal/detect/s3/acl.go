package s3

import (
	"strings"

	json "github.com/goccy/go-json"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
)

// ACL grantee groups, matched case-insensitively inside grantee URIs.
const (
	allUsers  = "acs.amazonaws.com/groups/global/allusers"
	authUsers = "acs.amazonaws.com/groups/global/authenticatedusers"
)

// perm is the access a grant gives.
type perm struct{ read, write bool }

// add records the access an ACL permission gives (READ, WRITE, READ_ACP,
// WRITE_ACP, FULL_CONTROL; grant headers spell them with dashes).
func (p *perm) add(permission string) {
	switch strings.ToUpper(strings.ReplaceAll(permission, "-", "_")) {
	case "READ", "READ_ACP":
		p.read = true
	case "WRITE", "WRITE_ACP":
		p.write = true
	case "FULL_CONTROL":
		p.read, p.write = true, true
	}
}

// aclAccess returns the access a PutBucketAcl or CreateBucket call gives
// the AllUsers and the AuthenticatedUsers groups: by explicit grants in
// the AccessControlPolicy, by a canned ACL or by x-amz-grant-* headers.
func aclAccess(ev *event.Event, p *grantParams) (all, auth perm) {
	for _, g := range p.ACP.ACL.Grant {
		uri := strings.ToLower(g.Grantee.URI)
		switch {
		case strings.Contains(uri, allUsers):
			all.add(g.Permission)
		case strings.Contains(uri, authUsers):
			auth.add(g.Permission)
		}
	}
	for _, acl := range p.CannedACL {
		switch strings.ToLower(acl) {
		case "public-read":
			all.read = true
		case "public-read-write":
			all.read, all.write = true, true
		case "authenticated-read":
			auth.read = true
		}
	}
	grantHeaders(ev, &all, &auth)
	return all, auth
}

// grantHeaders adds the groups named in x-amz-grant-<permission> headers
// ("uri=http://acs.amazonaws.com/groups/global/AllUsers").
func grantHeaders(ev *event.Event, all, auth *perm) {
	var params map[string]json.RawMessage
	detect.Params(ev, &params)
	for k, v := range params {
		permission, ok := strings.CutPrefix(strings.ToLower(k), "x-amz-grant-")
		var vals detect.Strings
		if !ok || json.Unmarshal(v, &vals) != nil {
			continue
		}
		for _, val := range vals {
			val = strings.ToLower(val)
			if strings.Contains(val, allUsers) {
				all.add(permission)
			}
			if strings.Contains(val, authUsers) {
				auth.add(permission)
			}
		}
	}
}
