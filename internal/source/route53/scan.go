package route53

import "github.com/vigil-sec/vigil/internal/source/jsonscan"

// errTruncated reports a JSON value that runs past the end of the data.
var errTruncated = jsonscan.ErrTruncated

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
