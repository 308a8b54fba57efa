package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/notify/desttest"
	"github.com/vigil-sec/vigil/internal/notify/slack"
	"github.com/vigil-sec/vigil/internal/runbook"
)

// wire is Slack's payload as Slack reads it, declared here rather than
// taken from the package so that a wrong JSON name fails the test.
type wire struct {
	Text        string `json:"text"`
	Attachments []struct {
		Color    string `json:"color"`
		Fallback string `json:"fallback"`
		Blocks   []struct {
			Type     string     `json:"type"`
			Text     *wireText  `json:"text"`
			Fields   []wireText `json:"fields"`
			Elements []wireText `json:"elements"`
		} `json:"blocks"`
	} `json:"attachments"`
}

type wireText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// texts returns every text of the payload's blocks, in order.
func (w wire) texts() []string {
	var out []string
	for _, a := range w.Attachments {
		for _, b := range a.Blocks {
			if b.Text != nil {
				out = append(out, b.Text.Text)
			}
			for _, f := range b.Fields {
				out = append(out, f.Text)
			}
			for _, e := range b.Elements {
				out = append(out, e.Text)
			}
		}
	}
	return out
}

func (w wire) all() string { return strings.Join(w.texts(), "\n") }

func decode(t testing.TB, body []byte) wire {
	t.Helper()
	var w wire
	if err := json.Unmarshal(body, &w); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, body)
	}
	return w
}

// checkLimits fails the test when the payload breaks one of Slack's
// limits or carries finding text that could mention or link.
func checkLimits(t testing.TB, body []byte) wire {
	t.Helper()
	w := decode(t, body)
	if len(w.Attachments) != 1 {
		t.Fatalf("%d attachments, want 1", len(w.Attachments))
	}
	a := w.Attachments[0]
	if len(a.Blocks) == 0 || len(a.Blocks) > slack.MaxBlocks {
		t.Errorf("%d blocks, want 1 to %d", len(a.Blocks), slack.MaxBlocks)
	}
	total := 0
	for i, b := range a.Blocks {
		limit := slack.MaxSectionText
		switch b.Type {
		case "header":
			limit = slack.MaxHeaderText
			if b.Text == nil || b.Text.Type != "plain_text" {
				t.Errorf("block %d: header without plain_text", i)
			}
		case "section":
			if b.Text == nil && len(b.Fields) == 0 {
				t.Errorf("block %d: section with neither text nor fields", i)
			}
		case "context":
			if len(b.Elements) == 0 || len(b.Elements) > slack.MaxContextElems {
				t.Errorf("block %d: context with %d elements", i, len(b.Elements))
			}
		case "divider":
		default:
			t.Errorf("block %d: unexpected type %q", i, b.Type)
		}
		if b.Text != nil {
			n := utf8.RuneCountInString(b.Text.Text)
			total += n
			if n == 0 || n > limit {
				t.Errorf("block %d (%s): text of %d characters, want 1 to %d", i, b.Type, n, limit)
			}
		}
		if len(b.Fields) > slack.MaxFields {
			t.Errorf("block %d: %d fields, want at most %d", i, len(b.Fields), slack.MaxFields)
		}
		for _, f := range append(b.Fields, b.Elements...) {
			n := utf8.RuneCountInString(f.Text)
			total += n
			if n == 0 || n > slack.MaxFieldText {
				t.Errorf("block %d (%s): field or element of %d characters, want 1 to %d", i, b.Type, n, slack.MaxFieldText)
			}
		}
	}
	if total > slack.MaxTotalText {
		t.Errorf("blocks hold %d characters, want at most %d", total, slack.MaxTotalText)
	}
	if n := utf8.RuneCountInString(w.Text); n == 0 || n > 3000 {
		t.Errorf("fallback text of %d characters", n)
	}
	mrkdwn := []string{w.Text, a.Fallback}
	for _, b := range a.Blocks {
		for _, x := range append(append(b.Fields, b.Elements...), ptr(b.Text)...) {
			if x.Type == "mrkdwn" {
				mrkdwn = append(mrkdwn, x.Text)
			}
		}
	}
	for _, s := range mrkdwn {
		if strings.Contains(s, "<!") || strings.Contains(s, "<@") || strings.Contains(s, "<https://evil") {
			t.Errorf("finding text was not escaped: %.200q", s)
		}
	}
	for _, s := range append(w.texts(), w.Text) {
		if !utf8.ValidString(s) {
			t.Errorf("invalid UTF-8: %.200q", s)
		}
	}
	return w
}

func ptr(t *wireText) []wireText {
	if t == nil {
		return nil
	}
	return []wireText{*t}
}

func newSlack(t testing.TB, url string, opts slack.Options) *slack.Slack {
	t.Helper()
	if opts.Runbook == nil {
		opts.Runbook = desttest.Runbook
	}
	s, err := slack.New("ops", url, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestNewValidatesURL(t *testing.T) {
	const secret = "SECRETtoken"
	for _, tc := range []struct {
		url  string
		want string // in the error; "" for no error
	}{
		{"https://hooks.slack.com/services/T0/B0/" + secret, ""},
		{"http://127.0.0.1:8080/services/" + secret, ""},
		{"http://localhost/services/" + secret, ""},
		{"http://[::1]:9/x", ""},
		{"", "empty"},
		{"hooks.slack.com/services/T0/B0/" + secret, "absolute"},
		{"http://hooks.slack.com/services/T0/B0/" + secret, "must use https"},
		{"ftp://hooks.slack.com/services/" + secret, "scheme"},
		{"https:///services/" + secret, "no host"},
		{"https://hooks.slack.com:99999/services/" + secret, "port"},
		{"https://hooks.slack.com/services/" + secret + "#frag", "fragment"},
		{"https://hooks.slack.com/services/%zz" + secret, "not valid"},
	} {
		_, err := slack.New("ops", tc.url, slack.Options{})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("New(%q) = %v, want no error", tc.url, err)
		case tc.want != "" && err == nil:
			t.Errorf("New(%q) = no error, want one about %q", tc.url, tc.want)
		case err != nil:
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"ops"`) {
				t.Errorf("New(%q) = %v, want an error naming the destination and %q", tc.url, err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("New(%q) = %v: the error shows the secret path", tc.url, err)
			}
		}
	}
	if _, err := slack.New("", "https://hooks.slack.com/x", slack.Options{}); err == nil {
		t.Error("New with no name: no error")
	}
}

func TestSendFinding(t *testing.T) {
	rcv := desttest.NewReceiver(t)
	s := newSlack(t, rcv.URL, slack.Options{})
	f := desttest.InstanceFinding()
	m := desttest.Message(f)
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	reqs := rcv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != desttest.SecretPath {
		t.Errorf("request %s %s, want POST %s", r.Method, r.Path, desttest.SecretPath)
	}
	for h, want := range map[string]string{"Content-Type": "application/json", "Idempotency-Key": m.ID} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	w := checkLimits(t, r.Body)
	if got, want := w.Attachments[0].Color, slack.Color(finding.High); got != want {
		t.Errorf("colour %q, want %q (High)", got, want)
	}
	blocks := w.Attachments[0].Blocks
	if blocks[0].Type != "header" || blocks[0].Text.Text != "High: Backdoor:EC2/C&CActivity.B" {
		t.Errorf("first block %s %+v, want the header High: Backdoor:EC2/C&CActivity.B", blocks[0].Type, blocks[0].Text)
	}
	if !strings.HasPrefix(w.Text, "[High] Backdoor:EC2/C&amp;CActivity.B in 111122223333/eu-west-1") {
		t.Errorf("fallback text %q", w.Text)
	}
	all := w.all()
	for _, want := range []string{
		"*" + f.Title + "*",
		"*Severity*\nHigh (8)",
		"*Resource*\ni-0123456789abcdef0 (web)",
		"*Account*\n111122223333",
		"*Region*\neu-west-1",
		"*Count*\n3",
		"*First seen*\n2024-05-01 11:58:00 UTC",
		"*Last seen*\n2024-05-01 12:34:00 UTC",
		"<https://vigil.example/console/findings/" + f.ID + "|View the finding in the Vigil console>",
		"*What it means*\nAn instance talks to a known command-and-control server",
		"*How to investigate*\n1. Find the process that opened the connection.\n2. Check the instance's recent logins.",
		"*How to respond*\n1. Isolate the instance",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("payload lacks %q; texts:\n%s", want, all)
		}
	}
}

func TestSendUpdate(t *testing.T) {
	rcv := desttest.NewReceiver(t)
	s := newSlack(t, rcv.URL, slack.Options{})
	f := desttest.AccessKeyFinding()
	f.Service.Count = 7
	m := desttest.Message(f)
	m.Update = true
	m.ConsoleURL = ""
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	w := checkLimits(t, rcv.Requests()[0].Body)
	if !strings.Contains(w.Text, "updated (count 7)") {
		t.Errorf("fallback %q does not say updated (count 7)", w.Text)
	}
	all := w.all()
	for _, want := range []string{"*Updated (count 7)*", "*Resource*\nalice (AKIAIOSFODNN7EXAMPLE)", "Finding ID `" + f.ID + "`"} {
		if !strings.Contains(all, want) {
			t.Errorf("payload lacks %q; texts:\n%s", want, all)
		}
	}
	if strings.Contains(all, "console") {
		t.Errorf("payload links to a console though none is configured:\n%s", all)
	}
	if got, want := w.Attachments[0].Color, slack.Color(finding.Medium); got != want {
		t.Errorf("colour %q, want %q (Medium)", got, want)
	}
}

func TestColorsDiffer(t *testing.T) {
	seen := map[string]finding.Level{}
	for _, l := range []finding.Level{finding.Low, finding.Medium, finding.High, finding.Critical} {
		c := slack.Color(l)
		if prev, dup := seen[c]; dup {
			t.Errorf("Color(%s) = Color(%s) = %s", l, prev, c)
		}
		seen[c] = l
	}
}

func TestNoRunbook(t *testing.T) {
	s := newSlack(t, "https://hooks.slack.com/services/T/B/X", slack.Options{Runbook: desttest.NoRunbook})
	body, err := s.Payload(desttest.Message(desttest.InstanceFinding()))
	if err != nil {
		t.Fatal(err)
	}
	all := checkLimits(t, body).all()
	if !strings.Contains(all, "No runbook for Backdoor:EC2/C&amp;CActivity.B yet.") || strings.Contains(all, "What it means") {
		t.Errorf("payload without a runbook:\n%s", all)
	}
}

// TestRealRunbook renders a type from the runbook catalogue with the
// default lookup.
func TestRealRunbook(t *testing.T) {
	types := runbook.Types()
	if len(types) == 0 {
		t.Skip("the runbook catalogue is empty (internal/runbook/runbooks_*.go not written yet)")
	}
	rb, _ := runbook.For(types[0])
	s, err := slack.New("ops", "https://hooks.slack.com/services/T/B/X", slack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := desttest.InstanceFinding()
	f.Type = types[0]
	body, err := s.Payload(desttest.Message(f))
	if err != nil {
		t.Fatal(err)
	}
	all := checkLimits(t, body).all()
	if !strings.Contains(all, "*What it means*") || len(rb.Investigate) > 0 && !strings.Contains(all, "*How to investigate*\n1. ") {
		t.Errorf("runbook of %s not in the payload:\n%s", types[0], all)
	}
}

func TestEscapesFindingText(t *testing.T) {
	f := desttest.InstanceFinding()
	f.Title = "<!channel> pwned & <https://evil.example|log in here>"
	f.Resource.InstanceDetails.Tags = []finding.Tag{{Key: "Name", Value: "<@U123>"}}
	s := newSlack(t, "https://hooks.slack.com/services/T/B/X", slack.Options{})
	body, err := s.Payload(desttest.Message(f))
	if err != nil {
		t.Fatal(err)
	}
	all := checkLimits(t, body).all()
	for _, want := range []string{"&lt;!channel&gt; pwned &amp; &lt;https://evil.example|log in here&gt;", "i-0123456789abcdef0 (&lt;@U123&gt;)"} {
		if !strings.Contains(all, want) {
			t.Errorf("payload lacks the escaped %q:\n%s", want, all)
		}
	}
}

func TestLimitsHugeFinding(t *testing.T) {
	for _, tc := range []struct {
		name string
		rb   func(string) (runbook.Runbook, bool)
	}{{"huge runbook", desttest.HugeRunbook}, {"no runbook", desttest.NoRunbook}, {"short runbook", desttest.Runbook}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSlack(t, "https://hooks.slack.com/services/T/B/X", slack.Options{Runbook: tc.rb})
			m := desttest.Message(desttest.HugeFinding())
			m.Update = true
			m.ConsoleURL = "https://vigil.example/" + strings.Repeat("c", 5000) + "/"
			body, err := s.Payload(m)
			if err != nil {
				t.Fatal(err)
			}
			w := checkLimits(t, body)
			all := w.all()
			if !strings.Contains(all, "*Account*\n") || !strings.Contains(all, "*Resource*\n&amp;&lt;&gt;") {
				t.Errorf("fields missing from a huge finding's payload:\n%.2000s", all)
			}
			if tc.name == "huge runbook" && (!strings.Contains(all, "*How to respond*\n1. ") || !strings.Contains(all, "…")) {
				t.Errorf("huge runbook not cut with an ellipsis:\n%.2000s", all)
			}
		})
	}
}

// digestFindings returns n findings of three types and mixed severity.
func digestFindings(n int) []finding.Finding {
	var fs []finding.Finding
	for i := range n {
		f := desttest.InstanceFinding()
		switch i % 3 {
		case 1:
			f = desttest.AccessKeyFinding()
		case 2:
			f.Type = "Recon:EC2/PortProbeUnprotectedPort"
			f.Severity = finding.SeverityLow
		}
		if i == 4 {
			f.Severity = finding.SeverityCritical
		}
		f.ID = fmt.Sprintf("%032x", i)
		f.Resource.InstanceDetails = &finding.InstanceDetails{InstanceID: fmt.Sprintf("i-%017d", i)}
		f.Service.Count = i + 1
		fs = append(fs, f)
	}
	return fs
}

func TestDigest(t *testing.T) {
	rcv := desttest.NewReceiver(t)
	s := newSlack(t, rcv.URL, slack.Options{})
	m := desttest.Message(digestFindings(30)...)
	m.ID = "digest-42"
	m.Omitted = 5
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	r := rcv.Requests()[0]
	if got := r.Header.Get("Idempotency-Key"); got != "digest-42" {
		t.Errorf("Idempotency-Key %q, want digest-42", got)
	}
	w := checkLimits(t, r.Body)
	if got, want := w.Attachments[0].Color, slack.Color(finding.Critical); got != want {
		t.Errorf("digest colour %q, want the highest band's %q", got, want)
	}
	blocks := w.Attachments[0].Blocks
	if blocks[0].Type != "header" || blocks[0].Text.Text != "Vigil digest: 35 findings" {
		t.Errorf("digest header %+v, want Vigil digest: 35 findings", blocks[0].Text)
	}
	all := w.all()
	lines := strings.Count(all, "\n• ")
	if lines != slack.DefaultDigestMax {
		t.Errorf("digest lists %d findings, want %d", lines, slack.DefaultDigestMax)
	}
	if !strings.Contains(all, "…and 15 more · <https://vigil.example/console/findings/|See all findings in the Vigil console>") {
		t.Errorf("digest does not end with …and 15 more:\n%s", all)
	}
	// The 20 most severe, grouped by type: each type heads one section,
	// the Critical finding's first; the ten Low findings are left out.
	var heads []string
	for _, b := range blocks {
		if b.Type == "section" && b.Text != nil {
			heads = append(heads, strings.SplitN(b.Text.Text, "\n", 2)[0])
		}
	}
	want := []string{"*Discovery:IAMUser/AnomalousBehavior* (10)", "*Backdoor:EC2/C&amp;CActivity.B* (10)"}
	if strings.Join(heads, "|") != strings.Join(want, "|") {
		t.Errorf("digest sections %q, want %q", heads, want)
	}
	first := "*Discovery:IAMUser/AnomalousBehavior* (10)\n• *Critical* · i-00000000000000004 · 111122223333/eu-west-1 · count 5 · <https://vigil.example/console/findings/00000000000000000000000000000004|open>\n"
	if !strings.Contains(all, first) {
		t.Errorf("digest does not start with the Critical finding %q:\n%s", first, all)
	}
	if strings.Contains(all, "*Low*") {
		t.Errorf("digest lists Low findings before more severe ones:\n%s", all)
	}
}

func TestDigestLimits(t *testing.T) {
	fs := make([]finding.Finding, 60)
	for i := range fs {
		f := desttest.HugeFinding()
		f.Type = fmt.Sprintf("Type%d:%s", i, strings.Repeat("&", 300)) // 60 types: one group each
		f.ID = fmt.Sprintf("%032x", i)
		fs[i] = f
	}
	for _, console := range []string{"", "https://vigil.example/" + strings.Repeat("p", 900) + "/"} {
		s := newSlack(t, "https://hooks.slack.com/services/T/B/X", slack.Options{DigestMax: 1000})
		m := desttest.Message(fs...)
		m.ConsoleURL = console
		m.Omitted = 1000
		body, err := s.Payload(m)
		if err != nil {
			t.Fatal(err)
		}
		all := checkLimits(t, body).all()
		shown := strings.Count(all, "\n• ")
		var more int
		if i := strings.LastIndex(all, "…and "); i < 0 {
			t.Fatalf("no …and N more in:\n%.3000s", all)
		} else {
			fmt.Sscanf(all[i:], "…and %d more", &more)
		}
		if shown == 0 || shown+more != 1060 {
			t.Errorf("console %d chars: %d shown + %d more, want 1060 in all, at least one shown", len(console), shown, more)
		}
	}
}

func TestSendErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reply     desttest.Reply
		permanent bool
		after     time.Duration // > 0: a RetryAfterError with this delay
		contains  string
	}{
		{"server error", desttest.Reply{Status: 500, Body: "rollup_error"}, false, 0, "500 Internal Server Error: rollup_error"},
		{"bad gateway", desttest.Reply{Status: 502}, false, 0, "502"},
		{"request timeout", desttest.Reply{Status: 408}, false, 0, "408"},
		{"rate limited", desttest.Reply{Status: 429, Header: map[string]string{"Retry-After": "7"}, Body: "rate_limited"}, false, 7 * time.Second, "429"},
		{"rate limited without Retry-After", desttest.Reply{Status: 429}, false, 0, "429"},
		{"unavailable", desttest.Reply{Status: 503, Header: map[string]string{"Retry-After": "120"}}, false, 2 * time.Minute, "503"},
		{"invalid payload", desttest.Reply{Status: 400, Body: "invalid_payload"}, true, 0, "400 Bad Request: invalid_payload"},
		{"forbidden", desttest.Reply{Status: 403, Body: "action_prohibited"}, true, 0, "action_prohibited"},
		{"revoked", desttest.Reply{Status: 404, Body: "no_service"}, true, 0, "404 Not Found: no_service"},
		{"archived", desttest.Reply{Status: 410, Body: "channel_is_archived"}, true, 0, "channel_is_archived"},
		{"redirect", desttest.Reply{Status: 301, Header: map[string]string{"Location": "https://elsewhere.example/"}}, true, 0, "301"},
		{"stalled", desttest.Reply{Stall: true}, false, 0, "deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rcv := desttest.NewReceiver(t)
			rcv.Reply(tc.reply)
			s := newSlack(t, rcv.URL, slack.Options{Timeout: 200 * time.Millisecond})
			err := s.Send(context.Background(), desttest.Message(desttest.InstanceFinding()))
			checkError(t, err, tc.permanent, tc.after, tc.contains)
			var herr *notify.HTTPError
			if tc.name != "stalled" && (!errors.As(err, &herr) || herr.StatusCode != tc.reply.Status) {
				t.Errorf("Send = %v, want an *HTTPError with status %d", err, tc.reply.Status)
			}
		})
	}
}

func checkError(t *testing.T, err error, permanent bool, after time.Duration, contains string) {
	t.Helper()
	if err == nil {
		t.Fatal("Send = nil, want an error")
	}
	if got := notify.IsPermanent(err); got != permanent {
		t.Errorf("IsPermanent(%v) = %v, want %v", err, got, permanent)
	}
	var ra *notify.RetryAfterError
	switch {
	case after > 0 && !errors.As(err, &ra):
		t.Errorf("Send = %v, want a RetryAfterError", err)
	case after > 0 && ra.After != after:
		t.Errorf("Send = %v, retry after %s, want %s", err, ra.After, after)
	case after == 0 && errors.As(err, &ra):
		t.Errorf("Send = %v, want no RetryAfterError", err)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Errorf("Send = %v, want it to contain %q", err, contains)
	}
	if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "/services/") {
		t.Errorf("Send = %v: the error shows the webhook's secret path", err)
	}
	if !strings.Contains(err.Error(), "/…") {
		t.Errorf("Send = %v: the error does not show the redacted URL", err)
	}
}

func TestSendRefused(t *testing.T) {
	rcv := desttest.NewReceiver(t)
	rcv.Close()
	s := newSlack(t, rcv.URL, slack.Options{})
	err := s.Send(context.Background(), desttest.Message(desttest.InstanceFinding()))
	checkError(t, err, false, 0, "refused")
}

func TestSendHonoursContext(t *testing.T) {
	rcv := desttest.NewReceiver(t)
	rcv.Reply(desttest.Reply{Stall: true})
	s := newSlack(t, rcv.URL, slack.Options{Timeout: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := s.Send(ctx, desttest.Message(desttest.InstanceFinding()))
	checkError(t, err, false, 0, "deadline exceeded")
}

func TestSendEmptyMessage(t *testing.T) {
	s := newSlack(t, "https://hooks.slack.com/services/T/B/X", slack.Options{})
	if err := s.Send(context.Background(), notify.Message{ID: "x"}); !notify.IsPermanent(err) {
		t.Errorf("Send(no findings) = %v, want a permanent error", err)
	}
}

// TestHealthMessage renders a message about Vigil's own health, which
// has no account, region or runbook.
func TestHealthMessage(t *testing.T) {
	s := newSlack(t, "https://hooks.slack.com/services/T/B/X", slack.Options{Runbook: desttest.NoRunbook})
	body, err := s.Payload(desttest.Message(desttest.HealthFinding()))
	if err != nil {
		t.Fatal(err)
	}
	w := checkLimits(t, body)
	if want := "[High] Vigil:Health/Error: Vigil source cloudtrail is failing"; w.Text != want {
		t.Errorf("fallback %q, want %q", w.Text, want)
	}
	all := w.all()
	for _, absent := range []string{"*Account*", "*Region*", "No runbook"} {
		if strings.Contains(all, absent) {
			t.Errorf("health message shows %q:\n%s", absent, all)
		}
	}
	if !strings.Contains(all, "*Resource*\nVigil") || !strings.Contains(all, "AccessDenied reading s3://logs/AWSLogs/") {
		t.Errorf("health message:\n%s", all)
	}
}
