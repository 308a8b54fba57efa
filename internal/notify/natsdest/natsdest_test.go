package natsdest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/notify/desttest"
	"github.com/vigil-sec/vigil/internal/notify/natsdest"
	"github.com/vigil-sec/vigil/internal/testutil/natsserver"
)

type event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     finding.Finding `json:"detail"`
}

func checkEvent(t *testing.T, data []byte, f finding.Finding, key string) {
	t.Helper()
	var ev event
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatalf("message is not an event: %v\n%s", err, data)
	}
	want := event{Version: "0", ID: notify.EventID(key), DetailType: "GuardDuty Finding", Source: "aws.guardduty",
		Account: f.AccountID, Region: f.Region, Resources: []string{}, Detail: f}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("event differs (-want +got):\n%s", diff)
	}
}

func TestNewValidates(t *testing.T) {
	nc := natsserver.Connect(t)
	for _, subject := range []string{"", "vigil..findings", "vigil.*", "vigil.>", "vigil.fin dings", ".vigil", "vigil."} {
		if _, err := natsdest.New("bus", nc, subject, natsdest.Options{}); err == nil {
			t.Errorf("New(subject %q) = no error", subject)
		}
	}
	if _, err := natsdest.New("bus", nil, "vigil.findings", natsdest.Options{}); err == nil {
		t.Error("New(no connection) = no error")
	}
	if _, err := natsdest.New("bus", nc, "vigil.findings", natsdest.Options{}); err != nil {
		t.Errorf("New(vigil.findings) = %v", err)
	}
}

// TestJetStream publishes to a subject a stream captures: messages are
// stored, carry Nats-Msg-Id, and a retry is dropped as a duplicate.
func TestJetStream(t *testing.T) {
	nc := natsserver.Connect(t)
	name := natsserver.Unique(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	natsserver.DeleteStreamAtEnd(t, nc, name)
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	d, err := natsdest.New("bus", nc, name+".findings", natsdest.Options{BySeverity: true})
	if err != nil {
		t.Fatal(err)
	}

	high := desttest.InstanceFinding()
	m := desttest.Message(high)
	for range 2 { // the second is a retry
		if err := d.Send(ctx, m); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("stream holds %d messages after a send and its retry, want 1", info.State.Msgs)
	}
	raw, err := stream.GetLastMsgForSubject(ctx, name+".findings.high")
	if err != nil {
		t.Fatalf("no message on %s.findings.high: %v", name, err)
	}
	if got := raw.Header.Get("Nats-Msg-Id"); got != m.ID {
		t.Errorf("Nats-Msg-Id = %q, want %q", got, m.ID)
	}
	checkEvent(t, raw.Data, high, m.ID)

	// A digest: one message per finding, on its band's subject; its
	// retry adds nothing.
	medium, low := desttest.AccessKeyFinding(), desttest.InstanceFinding()
	low.ID, low.Severity = "0123456789abcdef0123456789abcdef", finding.SeverityLow
	dm := desttest.Message(high, medium, low)
	dm.ID = "digest-9"
	for range 2 {
		if err := d.Send(ctx, dm); err != nil {
			t.Fatalf("Send(digest): %v", err)
		}
	}
	if info, _ = stream.Info(ctx); info.State.Msgs != 4 {
		t.Errorf("stream holds %d messages after a digest of 3 and its retry, want 4", info.State.Msgs)
	}
	for band, f := range map[string]finding.Finding{"medium": medium, "low": low} {
		raw, err := stream.GetLastMsgForSubject(ctx, name+".findings."+band)
		if err != nil {
			t.Errorf("no message on %s.findings.%s: %v", name, band, err)
			continue
		}
		key := "digest-9/" + f.ID
		if got := raw.Header.Get("Nats-Msg-Id"); got != key {
			t.Errorf("Nats-Msg-Id = %q, want %q", got, key)
		}
		if got := raw.Header.Get("Vigil-Digest"); got != "true" {
			t.Errorf("Vigil-Digest = %q, want true", got)
		}
		checkEvent(t, raw.Data, f, key)
	}
}

// TestCore publishes to a subject no stream captures: subscribers get
// the event on core NATS.
func TestCore(t *testing.T) {
	nc := natsserver.Connect(t)
	subject := natsserver.Unique(t) + ".findings"
	sub, err := nc.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	d, err := natsdest.New("bus", nc, subject, natsdest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := desttest.AccessKeyFinding()
	m := desttest.Message(f)
	if err := d.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msg, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatalf("no message on %s: %v", subject, err)
	}
	if got := msg.Header.Get("Nats-Msg-Id"); got != m.ID {
		t.Errorf("Nats-Msg-Id = %q, want %q", got, m.ID)
	}
	checkEvent(t, msg.Data, f, m.ID)
}

func TestTooLarge(t *testing.T) {
	nc := natsserver.Connect(t)
	d, err := natsdest.New("bus", nc, natsserver.Unique(t), natsdest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := desttest.InstanceFinding()
	f.Description = strings.Repeat("x", int(nc.MaxPayload())+1)
	err = d.Send(context.Background(), desttest.Message(f))
	if !notify.IsPermanent(err) {
		t.Errorf("Send(over the maximum payload) = %v, want a permanent error", err)
	}
}

func TestClosedConnection(t *testing.T) {
	nc, err := nats.Connect(natsserver.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	d, err := natsdest.New("bus", nc, natsserver.Unique(t), natsdest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	err = d.Send(context.Background(), desttest.Message(desttest.InstanceFinding()))
	if err == nil || notify.IsPermanent(err) {
		t.Errorf("Send on a closed connection = %v, want a retryable error", err)
	}
}
