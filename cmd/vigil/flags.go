package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/vigil-sec/vigil/internal/source"
)

// parseFlags parses args allowing flags after positional arguments, as
// users type them ("vigil analyze logs/ --json").
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(os.Stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, statusError{code: exitOK}
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// logFlags are the logging options every long-running command has.
type logFlags struct {
	level, format string
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.level, "log-level", "", "log level: debug, info, warn or error (default info)")
	fs.StringVar(&l.format, "log-format", "", "log format: text or json (default text)")
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if level == "" {
		level = "info"
	}
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("log level %q: %v", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("log format %q: want text or json", format)
}

// s3Flags let a command reach S3-compatible servers without a config file.
type s3Flags struct {
	endpoint  string
	region    string
	pathStyle bool
}

func (s *s3Flags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.endpoint, "s3-endpoint", "", "S3 endpoint URL for s3:// sources (default AWS; env AWS_ENDPOINT_URL_S3 also works)")
	fs.StringVar(&s.region, "s3-region", "", "S3 region (default from the AWS environment, else us-east-1)")
	fs.BoolVar(&s.pathStyle, "s3-path-style", false, "use path-style S3 URLs (most S3-compatible servers need it)")
}

func (s *s3Flags) apply(o *source.S3Options) {
	if s.endpoint != "" {
		o.Endpoint = s.endpoint
		o.PathStyle = true
	}
	if s.region != "" {
		o.Region = s.region
	}
	if s.pathStyle {
		o.PathStyle = true
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
