package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Secret is a credential. In YAML it is a literal string, or
// {env: NAME} to read an environment variable, or {file: PATH} to read a
// file (trailing newline trimmed). It prints as "<redacted>".
type Secret struct {
	value string
	from  string
}

// NewSecret wraps a literal value.
func NewSecret(v string) Secret { return Secret{value: v, from: "literal"} }

// Value returns the secret itself.
func (s Secret) Value() string { return s.value }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s.value != "" }

func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return "<redacted>"
}

// GoString redacts the secret from %#v, which would otherwise print the
// struct's fields.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// MarshalYAML redacts the secret.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalJSON redacts the secret.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// UnmarshalYAML reads a literal, {env: NAME} or {file: PATH}.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = NewSecret(n.Value)
		return nil
	}
	if n.Kind == yaml.MappingNode { // n.Decode does not reject unknown keys
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i].Value; k != "env" && k != "file" {
				return fmt.Errorf("line %d: secret: unknown key %q (want env or file)", n.Content[i].Line, k)
			}
		}
	}
	var ref struct {
		Env  string `yaml:"env"`
		File string `yaml:"file"`
	}
	if err := n.Decode(&ref); err != nil {
		return err
	}
	switch {
	case ref.Env != "" && ref.File != "":
		return fmt.Errorf("line %d: secret: give env or file, not both", n.Line)
	case ref.Env != "":
		v, ok := os.LookupEnv(ref.Env)
		if !ok {
			return fmt.Errorf("line %d: secret: environment variable %s is not set", n.Line, ref.Env)
		}
		*s = Secret{value: v, from: "env:" + ref.Env}
	case ref.File != "":
		b, err := os.ReadFile(ref.File)
		if err != nil {
			return fmt.Errorf("line %d: secret: %w", n.Line, err)
		}
		*s = Secret{value: strings.TrimRight(string(b), "\r\n"), from: "file:" + ref.File}
	default:
		return fmt.Errorf("line %d: secret: want a string, {env: NAME} or {file: PATH}", n.Line)
	}
	return nil
}
