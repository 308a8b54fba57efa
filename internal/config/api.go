package config

import (
	"errors"
	"fmt"
)

// API configures the GuardDuty-compatible API and the console's users.
type API struct {
	// Users sign API requests (SigV4) and sign in to the console with
	// their access key id and secret. Without users, one administrator is
	// taken from VIGIL_ACCESS_KEY_ID and VIGIL_SECRET_ACCESS_KEY, or
	// generated on first start and kept in DATA_DIR/api-credentials.
	Users []APIUser `yaml:"users"`
}

// APIUser is one user of the API and console.
type APIUser struct {
	Name            string `yaml:"name"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey Secret `yaml:"secret_access_key"`
	Role            string `yaml:"role"` // admin or read_only (default read_only)
}

func (c *API) fill() {
	for i := range c.Users {
		if c.Users[i].Role == "" {
			c.Users[i].Role = "read_only"
		}
	}
}

func (c *API) validate() error {
	var errs []error
	keys := map[string]bool{}
	for i, u := range c.Users {
		field := fmt.Sprintf("api.users[%d]", i)
		if u.Name == "" {
			errs = append(errs, fmt.Errorf("%s.name: empty", field))
		}
		if len(u.AccessKeyID) < 16 || len(u.AccessKeyID) > 128 {
			errs = append(errs, fmt.Errorf("%s.access_key_id: want 16 to 128 characters", field))
		}
		if keys[u.AccessKeyID] {
			errs = append(errs, fmt.Errorf("%s.access_key_id: used twice", field))
		}
		keys[u.AccessKeyID] = true
		if len(u.SecretAccessKey.Value()) < 16 {
			errs = append(errs, fmt.Errorf("%s.secret_access_key: want at least 16 characters", field))
		}
		if u.Role != "admin" && u.Role != "read_only" {
			errs = append(errs, fmt.Errorf("%s.role: %q is not admin or read_only", field, u.Role))
		}
	}
	return errors.Join(errs...)
}
