package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/vigil-sec/vigil/internal/api"
)

const (
	cookieName  = "vigil_session"
	sessionTTL  = 12 * time.Hour
	maxSessions = 1000 // beyond it the session closest to expiry is dropped
)

// session is one signed-in user.
type session struct {
	id      string
	user    *api.User
	csrf    string
	expires time.Time
}

// sessions is the server-side session table, bounded to maxSessions.
type sessions struct {
	mu  sync.Mutex
	m   map[string]*session
	now func() time.Time
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// create starts a session for u.
func (s *sessions) create(u *api.User) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for id, ss := range s.m {
		if !ss.expires.After(now) {
			delete(s.m, id)
		}
	}
	if len(s.m) >= maxSessions {
		var oldest *session
		for _, ss := range s.m {
			if oldest == nil || ss.expires.Before(oldest.expires) {
				oldest = ss
			}
		}
		delete(s.m, oldest.id)
	}
	ss := &session{id: randomHex(32), user: u, csrf: randomHex(32), expires: now.Add(sessionTTL)}
	s.m[ss.id] = ss
	return ss
}

// get returns the live session of r's cookie, or nil.
func (s *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[c.Value]
	if ss == nil || !ss.expires.After(s.now()) {
		delete(s.m, c.Value)
		return nil
	}
	return ss
}

func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// checkCSRF reports whether the form's csrf field is the session's token.
func (ss *session) checkCSRF(r *http.Request) bool {
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(ss.csrf)) == 1
}

// verify returns the user with the access key if secret is theirs,
// comparing in constant time.
func verify(users *api.Users, key, secret string) (*api.User, bool) {
	u, ok := users.ByKey(key)
	if !ok || key == "" {
		subtle.ConstantTimeCompare([]byte(secret), []byte(secret)) // keep the timing alike
		return nil, false
	}
	return u, subtle.ConstantTimeCompare([]byte(secret), []byte(u.SecretAccessKey)) == 1
}

func setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: value, Path: basePath, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}
