package simulate

import (
	"strings"
	"testing"
)

// FuzzParseAttack checks that the --attack parser never panics and that
// what it accepts names a supported attack type (matched without regard
// to case).
func FuzzParseAttack(f *testing.F) {
	for _, s := range []string{"Policy:IAMUser/RootCredentialUsage", "PenTest:S3/KaliLinux@+90m",
		"Stealth:S3/ServerAccessLoggingDisabled@2025-06-02T00:30:00Z", "x@", "@+1h", "Policy:IAMUser/RootCredentialUsage@+0m"} {
		f.Add(s)
	}
	supported := map[string]bool{}
	for _, t := range SupportedAttacks() {
		supported[t] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAttack(s)
		if err != nil {
			return
		}
		if !supported[a.Type] {
			t.Fatalf("ParseAttack(%q) accepted unsupported type %q", s, a.Type)
		}
		if in := strings.TrimSpace(s); len(in) < len(a.Type) || !strings.EqualFold(in[:len(a.Type)], a.Type) {
			t.Fatalf("ParseAttack(%q) = type %q, not the input's", s, a.Type)
		}
	})
}
