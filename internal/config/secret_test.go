package config_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-sec/vigil/internal/config"
)

// parseSecret parses a config whose s3.secret_access_key is the given YAML.
func parseSecret(t *testing.T, yamlValue string) (config.Secret, error) {
	t.Helper()
	c, err := config.Parse([]byte("s3:\n  secret_access_key: "+yamlValue+"\n"), "vigil.yaml")
	if err != nil {
		return config.Secret{}, err
	}
	return c.S3.SecretAccessKey, nil
}

func TestSecret(t *testing.T) {
	t.Setenv("VIGIL_TEST_SECRET", "from-env")
	t.Setenv("VIGIL_TEST_EMPTY", "")
	os.Unsetenv("VIGIL_TEST_UNSET")
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := write("plain", "from-file")
	newline := write("newline", "from-file\n")
	crlf := write("crlf", "from-file\r\n\n")
	inner := write("inner", "line1\nline2\n")

	tests := []struct {
		name    string
		yaml    string
		want    string
		wantErr string // substring of the error; "" for none
	}{
		{name: "literal", yaml: "s3cr3t", want: "s3cr3t"},
		{name: "quoted literal", yaml: `"a: b"`, want: "a: b"},
		{name: "absent", yaml: "", want: ""},
		{name: "env", yaml: "{env: VIGIL_TEST_SECRET}", want: "from-env"},
		{name: "env block style", yaml: "\n    env: VIGIL_TEST_SECRET", want: "from-env"},
		{name: "env set but empty", yaml: "{env: VIGIL_TEST_EMPTY}", want: ""},
		{name: "file", yaml: "{file: " + plain + "}", want: "from-file"},
		{name: "file trailing newline trimmed", yaml: "{file: " + newline + "}", want: "from-file"},
		{name: "file trailing CRLF trimmed", yaml: "{file: " + crlf + "}", want: "from-file"},
		{name: "file inner newline kept", yaml: "{file: " + inner + "}", want: "line1\nline2"},

		{name: "env not set", yaml: "{env: VIGIL_TEST_UNSET}", wantErr: "VIGIL_TEST_UNSET is not set"},
		{name: "file missing", yaml: "{file: " + filepath.Join(dir, "missing") + "}", wantErr: "missing"},
		{name: "both", yaml: "{env: VIGIL_TEST_SECRET, file: " + plain + "}", wantErr: "not both"},
		{name: "neither", yaml: "{}", wantErr: "want a string"},
		{name: "unknown key", yaml: "{vault: kv/s3}", wantErr: "vault"},
		{name: "unknown key beside env", yaml: "{env: VIGIL_TEST_SECRET, fiel: /x}", wantErr: "fiel"},
		{name: "sequence", yaml: "[a, b]", wantErr: "vigil.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSecret(t, tt.yaml)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("parse secret %q = %q, %v, want an error mentioning %q", tt.yaml, got.Value(), err, tt.wantErr)
				}
				return
			}
			if err != nil || got.Value() != tt.want {
				t.Errorf("parse secret %q = %q, %v, want %q", tt.yaml, got.Value(), err, tt.want)
			}
			if got.IsSet() != (tt.want != "") {
				t.Errorf("parse secret %q: IsSet() = %t, want %t", tt.yaml, got.IsSet(), tt.want != "")
			}
		})
	}
}

// TestSecretRedacted checks that no way of printing a secret, alone or in
// the config that holds it, shows its value.
func TestSecretRedacted(t *testing.T) {
	const value = "wJalrXUtnFEMI-K7MDENG"
	s := config.NewSecret(value)
	if s.Value() != value {
		t.Fatalf("NewSecret(%q).Value() = %q", value, s.Value())
	}
	c := config.Default()
	c.S3.SecretAccessKey = s

	yamlOf := func(v any) string {
		b, err := yaml.Marshal(v)
		if err != nil {
			t.Fatalf("yaml.Marshal: %v", err)
		}
		return string(b)
	}
	jsonOf := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		return string(b)
	}
	outputs := map[string]string{
		"%v":              fmt.Sprintf("%v", s),
		"%s":              fmt.Sprintf("%s", s),
		"%+v":             fmt.Sprintf("%+v", s),
		"%#v":             fmt.Sprintf("%#v", s),
		"%q":              fmt.Sprintf("%q", s),
		"%x":              fmt.Sprintf("%x", s),
		"pointer %v":      fmt.Sprintf("%v", &s),
		"config %v":       fmt.Sprintf("%v", c),
		"config %+v":      fmt.Sprintf("%+v", c),
		"config %#v":      fmt.Sprintf("%#v", c),
		"config S3 %+v":   fmt.Sprintf("%+v", c.S3),
		"yaml":            yamlOf(s),
		"config yaml":     yamlOf(c),
		"json":            jsonOf(s),
		"config json":     jsonOf(c),
		"config json ptr": jsonOf(&c.S3),
	}
	for name, out := range outputs {
		if strings.Contains(out, value) || strings.Contains(out, fmt.Sprintf("%x", value)) {
			t.Errorf("%s of a secret = %q, want the value redacted", name, out)
		}
	}
	for _, name := range []string{"%v", "%s", "%+v", "pointer %v"} {
		if out := outputs[name]; out != "<redacted>" {
			t.Errorf("%s of a secret = %q, want %q", name, out, "<redacted>")
		}
	}
	if got, want := outputs["%#v"], `"<redacted>"`; got != want {
		t.Errorf("%%#v of a secret = %s, want %s", got, want)
	}
	var fromJSON string
	if err := json.Unmarshal([]byte(outputs["json"]), &fromJSON); err != nil || fromJSON != "<redacted>" {
		t.Errorf("json.Marshal(secret) = %s, want the JSON string %q", outputs["json"], "<redacted>")
	}
	if got, want := outputs["yaml"], "<redacted>\n"; got != want {
		t.Errorf("yaml.Marshal(secret) = %q, want %q", got, want)
	}
}

func TestSecretUnsetPrintsEmpty(t *testing.T) {
	var s config.Secret
	if s.IsSet() || s.String() != "" {
		t.Errorf("zero Secret: IsSet() = %t, String() = %q, want false, \"\"", s.IsSet(), s.String())
	}
	if b, err := json.Marshal(s); err != nil || string(b) != `""` {
		t.Errorf("json.Marshal(zero Secret) = %s, %v, want \"\"", b, err)
	}
}
