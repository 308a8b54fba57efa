package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/api"
	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/export"
	"github.com/vigil-sec/vigil/internal/health"
	"github.com/vigil-sec/vigil/internal/notify"
	"github.com/vigil-sec/vigil/internal/notify/email"
	"github.com/vigil-sec/vigil/internal/notify/natsdest"
	"github.com/vigil-sec/vigil/internal/notify/slack"
	"github.com/vigil-sec/vigil/internal/notify/webhook"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// notifications is the notifier "vigil serve" runs, with what it opened.
type notifications struct {
	n       *notify.Notifier
	health  string // destination of health notifications, or ""
	closers []func()
}

// startNotifications builds the destinations and routes of vigil.yaml's
// notify section (or of VIGIL_SLACK_WEBHOOK_URL) and the notifier that
// feeds them from the store's outbox. It starts the outbox's cursor, so
// it must run before detection. destState is told how each delivery went.
func startNotifications(ctx context.Context, cfg *config.Config, db *sqlite.DB, apiSrv *api.Server,
	destState func(string, error), reg prometheus.Registerer, log *slog.Logger) (*notifications, error) {
	nc := cfg.Notify
	nc.ApplyEnv(os.Getenv)
	if err := nc.Validate(); err != nil {
		return nil, err
	}
	out := &notifications{health: nc.Health}
	var dests []notify.Destination
	for _, d := range nc.Destinations {
		dest, closer, err := newDestination(d, cfg)
		if err != nil {
			out.close()
			return nil, err
		}
		if closer != nil {
			out.closers = append(out.closers, closer)
		}
		dests = append(dests, dest)
	}
	routes, err := notify.RoutesFromConfig(nc)
	if err != nil {
		out.close()
		return nil, err
	}
	update := apiSrv.PublishingFrequency
	if nc.UpdateInterval > 0 {
		update = func(context.Context) time.Duration { return nc.UpdateInterval }
	}
	out.n, err = notify.New(notify.Options{Outbox: db, Findings: db, Routes: routes, Destinations: dests,
		ConsoleURL: nc.ConsoleURL, UpdateInterval: update, MaxAge: nc.MaxAge, DestinationState: destState,
		Logger: log, Registerer: reg})
	if err != nil {
		out.close()
		return nil, err
	}
	if err := out.n.Init(ctx); err != nil {
		out.close()
		return nil, err
	}
	if len(routes) > 0 {
		log.Info("notifications on", "routes", len(routes), "destinations", len(dests))
	}
	return out, nil
}

// Run delivers until ctx is done.
func (n *notifications) Run(ctx context.Context) error {
	defer n.close()
	return n.n.Run(ctx)
}

func (n *notifications) close() {
	for _, c := range n.closers {
		c()
	}
	n.closers = nil
}

// newDestination opens one destination of vigil.yaml; the closer, when
// not nil, releases what it opened.
func newDestination(d config.Destination, cfg *config.Config) (notify.Destination, func(), error) {
	timeout := d.Timeout
	switch d.Type {
	case "slack":
		s, err := slack.New(d.Name, d.URL.Value(), slack.Options{Timeout: timeout})
		return s, nil, err
	case "webhook":
		w, err := webhook.New(d.Name, d.URL.Value(), webhook.Options{Secret: d.Secret.Value(), Headers: d.Headers, Timeout: timeout})
		return w, nil, err
	case "nats":
		url := d.URL.Value()
		if url == "" {
			url = nats.DefaultURL
		}
		conn, err := nats.Connect(url, nats.Name("vigil notifications"), nats.MaxReconnects(-1))
		if err != nil {
			return nil, nil, fmt.Errorf("notify destination %s: %w", d.Name, err)
		}
		dest, err := natsdest.New(d.Name, conn, d.Subject, natsdest.Options{})
		if err != nil {
			conn.Close()
			return nil, nil, err
		}
		return dest, conn.Close, nil
	case "email":
		e, err := email.New(d.Name, email.Options{Addr: d.SMTP.Addr, From: d.SMTP.From, To: d.SMTP.To,
			Username: d.SMTP.Username, Password: d.SMTP.Password.Value(), TLS: email.TLSMode(d.SMTP.TLS), Timeout: timeout})
		return e, nil, err
	case "s3", "folder":
		w, err := export.New(d.Name, export.Config{URL: d.URL.Value(), Format: export.Format(d.Format), KMSKeyID: d.KMSKeyID,
			S3: s3OptionsFrom(cfg.S3)})
		return w, nil, err
	}
	return nil, nil, fmt.Errorf("notify destination %s: unknown type %q", d.Name, d.Type)
}

// destinationHealth records each delivery's outcome as the destination's
// health check: a failing destination is a warning until a delivery
// succeeds.
func destinationHealth(h *health.Registry) func(string, error) {
	return func(dest string, err error) {
		if err == nil {
			h.Set("notify", dest, health.OK, "")
			return
		}
		h.Set("notify", dest, health.Warning, "delivery failed: "+err.Error())
	}
}

// notifyHealthChanges sends each change of a health check to the
// notify.health destination, when one is configured. The health
// destination's own failures are not sent (they could not arrive).
func (n *notifications) notifyHealthChanges(ctx context.Context, h *health.Registry, log *slog.Logger) {
	if n.health == "" {
		return
	}
	h.OnChange(func(c health.Check) {
		if c.Component == "notify" && c.Name == n.health {
			return
		}
		if err := n.n.NotifyHealth(ctx, n.health, c.Component, c.Name, string(c.Status), c.Message); err != nil {
			log.Warn("health notification not queued", "check", c.Component+"/"+c.Name, "err", err)
		}
	})
}

// checkDestinations builds each notification destination the way serve
// does, without connecting to anything, so "vigil config check" reports
// what serve would refuse.
func checkDestinations(cfg *config.Config) error {
	var errs []error
	for _, d := range cfg.Notify.Destinations {
		var err error
		switch d.Type {
		case "nats":
			_, err = natsdest.New(d.Name, &nats.Conn{}, d.Subject, natsdest.Options{})
		case "s3", "folder":
			err = export.Config{URL: d.URL.Value(), Format: export.Format(d.Format), KMSKeyID: d.KMSKeyID}.Validate()
		default:
			_, _, err = newDestination(d, cfg)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("notify destination %s: %w", d.Name, err))
		}
	}
	return errors.Join(errs...)
}
