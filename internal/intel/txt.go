package intel

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

const maxLine = 1 << 20

// parseTXT reads one IP address, CIDR or domain per line; '#' starts a
// comment and blank lines are ignored.
func parseTXT(b *builder, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if err := b.add(n, line, ""); err != nil {
			return err
		}
	}
	return sc.Err()
}

// parseAlienVault reads AlienVault's reputation format:
// IP#reliability#risk#activity#country#city#lat,lon#x per line. The
// activity becomes the threat name. Lines starting with '#' are comments.
func parseAlienVault(b *builder, r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Split(line, "#")
		e, err := parseValue(fields[0])
		if err == nil && e.IsDomain() {
			err = fmt.Errorf("%w: %q is not an IP address", ErrInvalidValue, truncate(fields[0]))
		}
		if err != nil {
			b.lineErr(n, err)
			continue
		}
		threat := ""
		if len(fields) > 3 {
			threat = strings.TrimSpace(fields[3])
		}
		if err := b.addEntry(e, threat); err != nil {
			return err
		}
	}
	return sc.Err()
}
