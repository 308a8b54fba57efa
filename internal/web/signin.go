package web

import (
	"net/http"
	"strings"
)

func (c *Console) signinPage(w http.ResponseWriter, r *http.Request) {
	if c.sessions.get(r) != nil {
		http.Redirect(w, r, basePath, http.StatusSeeOther)
		return
	}
	c.render(w, "signin", http.StatusOK, nil, view{Title: "Sign in"})
}

// signin checks an access key pair of an API user and starts a session.
// Sign-in needs no CSRF token (there is no session yet); the session
// cookie is SameSite=Strict.
func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	key := strings.TrimSpace(r.PostFormValue("access_key_id"))
	u, ok := verify(c.opts.Users, key, r.PostFormValue("secret_access_key"))
	if !ok {
		c.log.Info("console sign-in refused", "access_key_id", key)
		c.render(w, "signin", http.StatusUnauthorized, nil, view{Title: "Sign in", Error: "Unknown access key or wrong secret access key."})
		return
	}
	ss := c.sessions.create(u)
	setCookie(w, r, ss.id, int(sessionTTL.Seconds()))
	c.log.Info("console sign-in", "user", u.Name)
	http.Redirect(w, r, basePath, http.StatusSeeOther)
}

func (c *Console) signout(w http.ResponseWriter, r *http.Request, ss *session) {
	c.sessions.delete(ss.id)
	setCookie(w, r, "", -1)
	http.Redirect(w, r, basePath+"signin", http.StatusSeeOther)
}
