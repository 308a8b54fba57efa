// Package desttest is test support for notification destinations: an
// HTTP receiver on the loopback interface that records what it is sent
// and answers as a test asks (fail, rate-limit, reject, stall), sample
// findings, and a runbook lookup with known content.
//
// It is test support only: production code must never import it.
package desttest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/runbook"
)

// Request is one request the receiver got.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Reply is how the receiver answers one request.
type Reply struct {
	Status int               // default 200
	Header map[string]string // extra response headers
	Body   string            // default "ok" for 2xx
	// Stall holds the request until the client gives up (or the test
	// ends): a destination that does not answer.
	Stall bool
}

// Receiver is a recording HTTP server on 127.0.0.1.
type Receiver struct {
	// URL is where to send; its path is SecretPath, so tests can check
	// that errors never show it.
	URL string

	srv     *httptest.Server
	release chan struct{}

	mu      sync.Mutex
	replies []Reply
	reqs    []Request
}

// SecretPath is the path of Receiver.URL: a stand-in for the secret part
// of a Slack webhook URL.
const SecretPath = "/services/T0VIGIL/B0VIGIL/SECRETtoken1234567890"

// NewReceiver starts a receiver that answers 200 "ok" unless told
// otherwise, and stops it when the test ends.
func NewReceiver(t testing.TB) *Receiver {
	t.Helper()
	r := &Receiver{release: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL + SecretPath
	t.Cleanup(func() {
		close(r.release)
		r.srv.Close()
	})
	return r
}

// Reply queues answers for the next requests, in order; once they are
// used up the receiver answers 200 "ok".
func (r *Receiver) Reply(replies ...Reply) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.replies = append(r.replies, replies...)
}

// Requests returns the requests received so far.
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...)
}

// Close stops the receiver early, so that sending to URL is refused.
func (r *Receiver) Close() { r.srv.Close() }

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, Request{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: body})
	reply := Reply{}
	if len(r.replies) > 0 {
		reply, r.replies = r.replies[0], r.replies[1:]
	}
	r.mu.Unlock()
	if reply.Stall {
		select {
		case <-req.Context().Done():
		case <-r.release:
		}
		return
	}
	for k, v := range reply.Header {
		w.Header().Set(k, v)
	}
	status := reply.Status
	if status == 0 {
		status = http.StatusOK
	}
	if reply.Body == "" && status/100 == 2 {
		reply.Body = "ok"
	}
	w.WriteHeader(status)
	io.WriteString(w, reply.Body)
}

func ts(s string) finding.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return finding.At(t)
}

// InstanceFinding is a High finding on an EC2 instance named "web",
// seen 3 times.
func InstanceFinding() finding.Finding {
	id := finding.ID("111122223333", "eu-west-1", "Backdoor:EC2/C&CActivity.B", "i-0123456789abcdef0|198.51.100.7")
	return finding.Finding{
		AccountID:     "111122223333",
		Arn:           finding.ARN("aws", "eu-west-1", "111122223333", "7a1c0e5f3b9d4c2e8f6a0b1d2c3e4f50", id),
		CreatedAt:     ts("2024-05-01T12:00:00.123Z"),
		Description:   "EC2 instance i-0123456789abcdef0 is querying an IP address that is associated with a known command and control server.",
		ID:            id,
		Partition:     "aws",
		Region:        "eu-west-1",
		SchemaVersion: finding.SchemaVersion,
		Severity:      finding.SeverityHigh,
		Title:         "EC2 instance i-0123456789abcdef0 is communicating with a command and control server.",
		Type:          "Backdoor:EC2/C&CActivity.B",
		UpdatedAt:     ts("2024-05-01T12:34:56.789Z"),
		Resource: finding.Resource{
			ResourceType: finding.ResourceInstance,
			InstanceDetails: &finding.InstanceDetails{
				InstanceID:   "i-0123456789abcdef0",
				InstanceType: "t3.micro",
				Tags:         []finding.Tag{{Key: "team", Value: "web"}, {Key: "Name", Value: "web"}},
			},
		},
		Service: finding.Service{
			Action: &finding.Action{
				ActionType: finding.ActionNetworkConnection,
				NetworkConnectionAction: &finding.NetworkConnectionAction{
					ConnectionDirection: "OUTBOUND",
					Protocol:            "TCP",
					RemoteIPDetails:     &finding.RemoteIPDetails{IPAddressV4: "198.51.100.7"},
					RemotePortDetails:   &finding.PortDetails{Port: 443, PortName: "HTTPS"},
				},
			},
			Count:          3,
			DetectorID:     "7a1c0e5f3b9d4c2e8f6a0b1d2c3e4f50",
			EventFirstSeen: ts("2024-05-01T11:58:00Z"),
			EventLastSeen:  ts("2024-05-01T12:34:00Z"),
			ResourceRole:   finding.RoleActor,
			ServiceName:    "guardduty",
		},
	}
}

// AccessKeyFinding is a Medium finding on user alice's access key.
func AccessKeyFinding() finding.Finding {
	f := InstanceFinding()
	f.Type = "Discovery:IAMUser/AnomalousBehavior"
	f.ID = finding.ID(f.AccountID, f.Region, f.Type, "alice")
	f.Arn = finding.ARN("aws", f.Region, f.AccountID, f.Service.DetectorID, f.ID)
	f.Severity = finding.SeverityMedium
	f.Title = "User alice is invoking APIs commonly used in discovery tactics."
	f.Description = "APIs commonly used in discovery tactics were invoked by user alice."
	f.Resource = finding.Resource{
		ResourceType: finding.ResourceAccessKey,
		AccessKeyDetails: &finding.AccessKeyDetails{
			AccessKeyID: "AKIAIOSFODNN7EXAMPLE", PrincipalID: "AIDAEXAMPLE", UserName: "alice", UserType: "IAMUser",
		},
	}
	f.Service.Action = &finding.Action{ActionType: finding.ActionAWSAPICall, AwsAPICallAction: &finding.AwsAPICallAction{API: "ListBuckets", ServiceName: "s3.amazonaws.com"}}
	f.Service.Count = 1
	return f
}

// HugeFinding is a finding whose attacker-controlled fields are far
// longer than any message limit and full of characters that markup
// languages give meaning to.
func HugeFinding() finding.Finding {
	f := AccessKeyFinding()
	nasty := "<!channel> & <https://evil.example|click> *bold* `code` \n\r\t\x00 "
	f.Title = strings.Repeat(nasty, 3000)
	f.Description = strings.Repeat("é€😀"+nasty, 3000)
	f.Type = "Discovery:IAMUser/" + strings.Repeat("X", 200)
	f.AccountID = strings.Repeat("1", 500)
	f.Region = strings.Repeat("<r>", 500)
	f.Resource.AccessKeyDetails.UserName = strings.Repeat("&<>", 5000)
	f.Resource.AccessKeyDetails.AccessKeyID = strings.Repeat("A", 5000)
	f.Service.Count = 1 << 30
	return f
}

// Message wraps findings in a notify.Message with a console URL; more
// than one finding makes a digest.
func Message(fs ...finding.Finding) notify.Message {
	m := notify.Message{
		ID:         "msg-1",
		Route:      "security",
		Findings:   fs,
		Digest:     len(fs) > 1,
		ConsoleURL: "https://vigil.example/console/",
		Queued:     time.Date(2024, 5, 1, 12, 35, 0, 0, time.UTC),
	}
	if len(fs) == 1 {
		m.ID = fs[0].ID + ":" + strconv.Itoa(fs[0].Service.Count)
	}
	return m
}

// Runbook is a runbook lookup with the same known runbook for every
// type, for tests that must not depend on the runbook catalogue.
func Runbook(typ string) (runbook.Runbook, bool) {
	return runbook.Runbook{
		Type:        typ,
		Meaning:     "An instance talks to a known command-and-control server: it is probably compromised.",
		Investigate: []string{"Find the process that opened the connection.", "Check the instance's recent logins."},
		Respond:     []string{"Isolate the instance with a restrictive security group.", "Snapshot its volumes for forensics."},
	}, true
}

// HugeRunbook is a runbook lookup whose runbook is far over every limit.
func HugeRunbook(typ string) (runbook.Runbook, bool) {
	steps := make([]string, 300)
	for i := range steps {
		steps[i] = strings.Repeat("step & <more> ", 400)
	}
	return runbook.Runbook{Type: typ, Meaning: strings.Repeat("meaning <&> ", 2000), Investigate: steps, Respond: steps}, true
}

// NoRunbook is a runbook lookup that knows no type.
func NoRunbook(string) (runbook.Runbook, bool) { return runbook.Runbook{}, false }

// HealthFinding is shaped like the notifier's health messages: a
// finding of type Vigil:Health/Error with no account, region or runbook.
func HealthFinding() finding.Finding {
	now := ts("2024-05-01T12:00:00Z")
	f := finding.Finding{SchemaVersion: "2.0", ID: "vigil-health-0123456789abcdef", CreatedAt: now, UpdatedAt: now,
		Partition: "aws", Type: "Vigil:Health/Error", Severity: finding.SeverityHigh,
		Title: "Vigil source cloudtrail is failing", Description: "AccessDenied reading s3://logs/AWSLogs/"}
	f.Resource.ResourceType = "Vigil"
	f.Service.ServiceName = "vigil"
	f.Service.Count = 1
	f.Service.EventFirstSeen, f.Service.EventLastSeen = now, now
	return f
}
