package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/malware"
	"github.com/vigil-sec/vigil/internal/malware/clamd"
	"github.com/vigil-sec/vigil/internal/malware/signature"
	"github.com/vigil-sec/vigil/internal/malware/yara"
	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/store/sqlite"
)

// protection is Malware Protection for S3 as "vigil serve" runs it.
type protection struct {
	webhookPath string
	webhook     http.Handler
	runners     []func(context.Context) error
	plans       int
}

// startProtection builds the plans of vigil.yaml: the scanner with its
// signature folder (reloaded on change), the protector, its result
// publishers and its event sources. It returns nil when no plan is set.
// suppressedFindings is the protector's store: scan records in the
// database, findings through the API's suppression rules.
type suppressedFindings struct {
	*sqlite.DB
	findings store.Store
}

func (s suppressedFindings) UpsertFindings(ctx context.Context, fs []finding.Finding) (int, error) {
	return s.findings.UpsertFindings(ctx, fs)
}

func startProtection(ctx context.Context, cfg *config.Config, db *sqlite.DB, findings store.Store, detectorID string,
	reg prometheus.Registerer, log *slog.Logger) (*protection, error) {
	mp := cfg.MalwareProtection
	if len(mp.Plans) == 0 {
		return nil, nil
	}
	plans, err := protect.PlansFromConfig(mp)
	if err != nil {
		return nil, err
	}
	sigDir := cmpOr(mp.Signatures, filepath.Join(cfg.DataDir, "signatures"))
	if err := os.MkdirAll(sigDir, 0o700); err != nil {
		return nil, fmt.Errorf("signature folder: %w", err)
	}
	sigs, err := signature.NewReloader(signature.ReloaderOptions{Dir: sigDir, Interval: 5 * time.Second, Logger: log})
	if sigs == nil {
		return nil, fmt.Errorf("signatures: %w", err)
	}
	if err != nil {
		log.Warn("some signatures were not loaded", "dir", sigDir, "err", err)
	}
	extra, err := extraEngines(mp)
	if err != nil {
		return nil, err
	}
	sc, err := malware.NewScanner(malware.ScannerOptions{
		Engines: func() []malware.Engine { return append(sigs.Engines(), extra...) },
		Limits:  scanLimits(mp.Limits), Logger: log,
	})
	if err != nil {
		return nil, err
	}
	client, err := protect.NewS3Client(ctx, s3OptionsFrom(cfg.MalwareProtectionS3()))
	if err != nil {
		return nil, err
	}
	pubs, err := publishers(mp, log)
	if err != nil {
		return nil, err
	}
	p, err := protect.New(protect.Options{
		Plans: plans, S3: client, Scanner: sc, Store: suppressedFindings{db, findings}, Publishers: pubs, AccountID: mp.AccountID, Region: mp.Region,
		DetectorID: detectorID, Workers: mp.MaxConcurrentScans, QueueSize: mp.QueueSize,
		MaxObjectBytes: mp.Limits.MaxObjectBytes, Logger: log, Registerer: reg,
	})
	if err != nil {
		return nil, err
	}
	dec, err := protect.CommonKeyDecoding(plans)
	if err != nil {
		return nil, err
	}
	pr := &protection{webhookPath: mp.WebhookPath, webhook: protect.WebhookHandler(p.Deliver, dec, log), plans: len(plans)}
	pr.runners = append(pr.runners, p.Run, sigs.Run) // the folder is reloaded when it changes
	pr.runners = append(pr.runners, func(ctx context.Context) error {
		return protect.NewPoller(protect.PollerOptions{Plans: plans, S3: client, Store: db, Logger: log}).Run(ctx, p.Deliver)
	})
	srcs, err := eventSources(mp, log)
	if err != nil {
		return nil, err
	}
	for _, s := range srcs {
		pr.runners = append(pr.runners, func(ctx context.Context) error { return s.Run(ctx, p.Deliver) })
	}
	log.Info("malware protection on", "plans", len(plans), "signatures", sigDir, "webhook", mp.WebhookPath)
	return pr, nil
}

func scanLimits(l config.ScanLimits) malware.Limits {
	return malware.Limits{MaxObjectBytes: l.MaxObjectBytes, MaxDepth: l.MaxDepth, MaxFiles: l.MaxFiles,
		MaxExtractedBytes: l.MaxExtractedBytes, MaxRatio: l.MaxRatio}
}

// extraEngines are the YARA and clamd engines vigil.yaml asks for.
func extraEngines(mp config.MalwareProtection) ([]malware.Engine, error) {
	var out []malware.Engine
	if mp.YARA != "" {
		y, err := yara.Load(mp.YARA, yara.Options{})
		if y == nil {
			return nil, err
		}
		out = append(out, y)
	}
	if mp.Clamd != "" {
		c, err := clamd.New(clamd.Options{Address: mp.Clamd})
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func publishers(mp config.MalwareProtection, log *slog.Logger) ([]protect.Publisher, error) {
	var out []protect.Publisher
	for _, u := range mp.ResultWebhooks {
		p, err := protect.NewWebhookPublisher(u.Value(), protect.WebhookOptions{})
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if n := mp.ResultNATS; n != nil {
		p, err := protect.NewNATSPublisher(protect.NATSPublisherOptions{URL: n.URL, Subject: n.Subject, JetStream: n.JetStream}, log)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func eventSources(mp config.MalwareProtection, log *slog.Logger) ([]protect.Source, error) {
	var out []protect.Source
	if n := mp.NATS; n != nil {
		dec, err := protect.ParseKeyDecoding(n.KeyDecoding)
		if err != nil {
			return nil, err
		}
		s, err := protect.NewNATSSource(protect.NATSSourceOptions{URL: n.URL, Subject: n.Subject, Stream: n.Stream,
			Durable: n.Durable, KeyDecoding: dec}, log)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if q := mp.SQS; q != nil {
		dec, err := protect.ParseKeyDecoding(q.KeyDecoding)
		if err != nil {
			return nil, err
		}
		s, err := protect.NewSQSSource(protect.SQSSourceOptions{QueueURL: q.QueueURL, Region: q.Region,
			Endpoint: q.Endpoint, KeyDecoding: dec}, log)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
