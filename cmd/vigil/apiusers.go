package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vigil-sec/vigil/internal/api"
	"github.com/vigil-sec/vigil/internal/config"
)

// credentialsFile keeps the generated administrator's key, owner-only.
const credentialsFile = "api-credentials"

// apiUsers returns the API's users: vigil.yaml's, else one administrator
// from VIGIL_ACCESS_KEY_ID and VIGIL_SECRET_ACCESS_KEY, else the one kept
// in the data dir, generated (and printed once to w) on first start.
func apiUsers(cfg *config.Config, w io.Writer) ([]api.User, error) {
	if len(cfg.API.Users) > 0 {
		var out []api.User
		for _, u := range cfg.API.Users {
			role := api.RoleReadOnly
			if u.Role == "admin" {
				role = api.RoleAdmin
			}
			out = append(out, api.User{Name: u.Name, AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey.Value(), Role: role})
		}
		return out, nil
	}
	id, secret := os.Getenv("VIGIL_ACCESS_KEY_ID"), os.Getenv("VIGIL_SECRET_ACCESS_KEY")
	if (id == "") != (secret == "") {
		return nil, errors.New("set both VIGIL_ACCESS_KEY_ID and VIGIL_SECRET_ACCESS_KEY, or neither")
	}
	if id != "" {
		return []api.User{{Name: "admin", AccessKeyID: id, SecretAccessKey: secret, Role: api.RoleAdmin}}, nil
	}
	path := filepath.Join(cfg.DataDir, credentialsFile)
	var c struct {
		AccessKeyID     string `json:"accessKeyId"`
		SecretAccessKey string `json:"secretAccessKey"`
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &c); err != nil || c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return nil, fmt.Errorf("%s: not Vigil API credentials (remove it to generate new ones)", path)
		}
	case errors.Is(err, fs.ErrNotExist):
		c.AccessKeyID, c.SecretAccessKey = "AKIA"+randomString(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), randomString(40,
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
		b, _ := json.MarshalIndent(c, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
			return nil, fmt.Errorf("store API credentials: %w", err)
		}
		fmt.Fprintf(w, "vigil: generated API credentials for user admin (shown once; kept in %s):\n"+
			"  AWS_ACCESS_KEY_ID=%s\n  AWS_SECRET_ACCESS_KEY=%s\n", path, c.AccessKeyID, c.SecretAccessKey)
	default:
		return nil, err
	}
	return []api.User{{Name: "admin", AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Role: api.RoleAdmin}}, nil
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
