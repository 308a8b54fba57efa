package ec2

import (
	"strconv"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/event"
)

// flowMail returns outbound connections from the web server to port of
// n distinct hosts of prefix ("203.0.113."), step apart.
func flowMail(n int, step time.Duration, prefix, port string, opts ...flowOpt) []*event.Event {
	return flowEvs(n, func(i int) *event.Event {
		return flowEv(time.Duration(i)*step, "eni-web", "10.0.1.10:"+strconv.Itoa(40000+i), prefix+strconv.Itoa(100+i)+":"+port, opts...)
	})
}

func TestFlowSpambot(t *testing.T) {
	const spam = flowTypeSpambot + " 5"
	flowTable(t, []flowCase{
		{"25 mail servers in an hour", flowMail(25, time.Minute, "203.0.113.", "25"), []string{spam}, nil},
		{"40 mail servers report once", flowMail(40, time.Minute, "203.0.113.", "25"), []string{spam}, nil},
		{"blocked", flowMail(25, time.Minute, "203.0.113.", "25", flowRejected), []string{spam}, nil},
		{"24 mail servers", flowMail(24, time.Minute, "203.0.113.", "25"), nil, nil},
		{"one mail server 25 times", flowEvs(25, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Minute, "eni-web", "10.0.1.10:"+strconv.Itoa(40000+i), "203.0.113.100:25")
		}), nil, nil},
		{"25 mail servers over 5 hours", flowMail(25, 12*time.Minute, "203.0.113.", "25"), nil, nil},
		{"submission port 587", flowMail(25, time.Minute, "203.0.113.", "587"), nil, nil},
		{"internal relays", flowMail(25, time.Minute, "10.0.9.", "25", flowDir("egress")), nil, nil},
		{"mail server receiving", flowEvs(25, func(i int) *event.Event {
			return flowEv(time.Duration(i)*time.Minute, "eni-web", "203.0.113."+strconv.Itoa(100+i)+":40000", "10.0.1.10:25")
		}), nil, nil},
		{"NODATA", flowMail(25, time.Minute, "203.0.113.", "25", flowNoData), nil, nil},
		{"two windows", flowCat(flowMail(25, time.Minute, "203.0.113.", "25"),
			flowMail(25, time.Minute, "203.0.113.", "25", func(f *event.Flow) { f.End = f.End.Add(2 * time.Hour) })),
			[]string{spam, spam}, nil},
		{"10 with min_destinations 10", flowMail(10, time.Minute, "203.0.113.", "25"), []string{spam},
			map[string]map[string]string{"ec2.spambot": {"min_destinations": "10"}}},
	})
}
