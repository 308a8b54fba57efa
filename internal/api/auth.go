package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Roles of API and console users.
const (
	RoleAdmin    = "admin"
	RoleReadOnly = "read_only"
)

// User is an API user: an access key pair and a role.
type User struct {
	Name            string
	AccessKeyID     string
	SecretAccessKey string
	Role            string
}

// Admin reports whether the user may change things.
func (u *User) Admin() bool { return u.Role == RoleAdmin }

// Users verifies AWS Signature Version 4 against a set of users and
// refuses replayed signatures. It is safe for concurrent use.
type Users struct {
	byKey map[string]*User
	// MaxSkew is how far a request's X-Amz-Date may be from now (default
	// 5 minutes, as AWS).
	MaxSkew time.Duration

	mu   sync.Mutex
	seen map[string]time.Time // signature → when it stops mattering
}

// NewUsers returns the verifier of users.
func NewUsers(users []User) *Users {
	u := &Users{byKey: map[string]*User{}, MaxSkew: 5 * time.Minute, seen: map[string]time.Time{}}
	for i := range users {
		u.byKey[users[i].AccessKeyID] = &users[i]
	}
	return u
}

// ByKey returns the user with an access key id.
func (u *Users) ByKey(id string) (*User, bool) {
	usr, ok := u.byKey[id]
	return usr, ok
}

// maxSeen bounds the replay cache; beyond it the oldest half is dropped
// (requests older than MaxSkew are refused anyway).
const maxSeen = 100000

// Authenticate checks r's SigV4 Authorization header (service
// "guardduty", any region) over body, the date window and replays, and
// returns the user. Failures are AccessDeniedException with a reason
// that never includes a secret.
func (u *Users) Authenticate(r *http.Request, body []byte, now time.Time) (*User, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return nil, accessDenied("the request is not signed (AWS Signature Version 4 required)")
	}
	a, err := parseAuthorization(auth)
	if err != nil {
		return nil, err
	}
	usr, ok := u.byKey[a.accessKey]
	if !ok {
		return nil, accessDenied("the security token included in the request is invalid: unknown access key %s", a.accessKey)
	}
	date := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", date)
	if err != nil {
		return nil, accessDenied("missing or malformed X-Amz-Date")
	}
	if d := now.Sub(t); d > u.MaxSkew || d < -u.MaxSkew {
		return nil, accessDenied("signature expired: request time %s is more than %v from the server's %s", date, u.MaxSkew,
			now.UTC().Format("20060102T150405Z"))
	}
	if a.date != date[:8] || a.service != "guardduty" || a.terminal != "aws4_request" {
		return nil, accessDenied("credential scope %s/%s/%s/%s does not match the request (want guardduty)", a.date, a.region, a.service, a.terminal)
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" || payload == "UNSIGNED-PAYLOAD" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	key := signingKey(usr.SecretAccessKey, a.date, a.region, a.service)
	matched := false
	for _, uri := range canonicalURIs(r.URL) {
		sts := stringToSign(date, a, canonicalRequest(r, uri, a.signedHeaders, payload))
		if hmac.Equal([]byte(hex.EncodeToString(hmacSHA256(key, sts))), []byte(a.signature)) {
			matched = true
			break
		}
	}
	if !matched {
		return nil, accessDenied("the request signature we calculated does not match the signature you provided; check your secret access key and signing method")
	}
	if !u.remember(a.signature, t.Add(u.MaxSkew), now) {
		return nil, accessDenied("the request was replayed: this signature was already used")
	}
	return usr, nil
}

func (u *Users) remember(sig string, until, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if exp, ok := u.seen[sig]; ok && exp.After(now) {
		return false
	}
	if len(u.seen) >= maxSeen {
		for s, exp := range u.seen {
			if !exp.After(now) || len(u.seen) > maxSeen/2 {
				delete(u.seen, s)
			}
		}
	}
	u.seen[sig] = until
	return true
}

type authz struct {
	accessKey, date, region, service, terminal string
	signedHeaders                              []string
	signature                                  string
}

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
// SignedHeaders=a;b, Signature=hex".
func parseAuthorization(h string) (authz, error) {
	var a authz
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return a, accessDenied("unsupported authorization scheme (want AWS4-HMAC-SHA256)")
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 {
				return a, accessDenied("malformed Credential in the Authorization header")
			}
			a.accessKey, a.date, a.region, a.service, a.terminal = f[0], f[1], f[2], f[3], f[4]
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	if a.accessKey == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return a, accessDenied("incomplete Authorization header")
	}
	return a, nil
}

// canonicalURIs returns the ways clients encode the path in the canonical
// request: as sent (botocore, the AWS CLI), or escaped once more (the AWS
// SDKs for services other than S3), starting from the escaped or the
// decoded path.
func canonicalURIs(u *url.URL) []string {
	raw := u.EscapedPath()
	if raw == "" {
		raw = "/"
	}
	var out []string
	for _, c := range []string{raw, escapePath(raw), escapePath(u.Path)} {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// escapePath percent-encodes everything but unreserved characters and '/'.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}

func canonicalRequest(r *http.Request, uri string, signed []string, payload string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n" + uri + "\n" + canonicalQuery(r.URL.Query()) + "\n")
	for _, h := range signed {
		var v string
		if h == "host" {
			v = r.Host
		} else {
			vs := r.Header.Values(h)
			for i := range vs {
				vs[i] = strings.Join(strings.Fields(vs[i]), " ")
			}
			v = strings.Join(vs, ",")
		}
		b.WriteString(h + ":" + v + "\n")
	}
	b.WriteString("\n" + strings.Join(signed, ";") + "\n" + payload)
	return b.String()
}

func canonicalQuery(q url.Values) string {
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, escapeQuery(k)+"="+escapeQuery(v))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

func escapeQuery(s string) string { return strings.ReplaceAll(escapePath(s), "/", "%2F") }

func stringToSign(date string, a authz, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return "AWS4-HMAC-SHA256\n" + date + "\n" + a.date + "/" + a.region + "/" + a.service + "/" + a.terminal + "\n" + hex.EncodeToString(sum[:])
}

func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
