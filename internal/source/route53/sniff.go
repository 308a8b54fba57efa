package route53

import (
	"bytes"
	"github.com/vigil-sec/vigil/internal/source/jsonscan"
	"strings"
)

var (
	keyQueryName      = []byte(`"query_name"`)
	keyQueryType      = []byte(`"query_type"`)
	keySrcIDs         = []byte(`"srcids"`)
	keyEscQueryName   = []byte(`\"query_name\"`)
	keyEventsArray    = []byte(`"events"`)
	keyLogEventsArray = []byte(`"logEvents"`)
	keyEventVersion   = []byte(`"eventVersion"`)
	keyEventSource    = []byte(`"eventSource"`)
)

// Sniff reports whether a file looks like Resolver query logs: a name in
// the S3 delivery layout (".../vpcdnsquerylogs/..."), or a first line
// holding a record, possibly after a CloudWatch Logs export time, or a
// JSON document of such records. CloudTrail files and flow logs are not
// claimed.
func Sniff(head []byte, name string) bool {
	i := jsonscan.SkipSpace(head, jsonscan.SkipBOM(head))
	if i >= len(head) {
		return false
	}
	if strings.Contains(name, "vpcdnsquerylogs") {
		return true
	}
	line := head[i:]
	if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	}
	line = bytes.TrimRight(line, " \t\r")
	if _, next, ok := afterStamp(line); ok {
		line = line[next:]
	}
	if len(line) == 0 || (line[0] != '{' && line[0] != '[') {
		return false
	}
	if bytes.Contains(line, keyEventVersion) || bytes.Contains(line, keyEventSource) {
		return false // CloudTrail
	}
	switch {
	case line[0] == '[' || string(line) == "{":
		return mentionsRecord(head) || mentionsEnvelope(head)
	case isEnvelope(line):
		return bytes.Contains(head, keyEscQueryName)
	}
	return mentionsRecord(line)
}

// mentionsEnvelope reports whether b holds the events of a CloudWatch Logs
// envelope whose messages are records.
func mentionsEnvelope(b []byte) bool {
	return (bytes.Contains(b, keyEventsArray) || bytes.Contains(b, keyLogEventsArray)) && bytes.Contains(b, keyEscQueryName)
}

func mentionsRecord(b []byte) bool {
	return bytes.Contains(b, keyQueryName) && (bytes.Contains(b, keySrcIDs) || bytes.Contains(b, keyQueryType))
}

// afterStamp returns the end of the time that starts a CloudWatch Logs
// export line ("2024-05-01T12:00:00.000Z {...}") and the index of what
// follows it.
func afterStamp(line []byte) (end, next int, ok bool) {
	if !isStamp(line) {
		return 0, 0, false
	}
	end = bytes.IndexAny(line, " \t")
	if end < 0 || bytes.IndexByte(line[:end], '{') >= 0 {
		return 0, 0, false
	}
	return end, jsonscan.SkipSpace(line, end), true
}
