package protect

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-sec/vigil/internal/malware"
	"github.com/vigil-sec/vigil/internal/store"
)

// Reasons an object event is not scanned (label values of
// vigil_malware_events_ignored_total).
const (
	reasonNoPlan         = "no_plan"         // no plan covers the bucket and key
	reasonInProgress     = "in_progress"     // the object is already queued or being scanned
	reasonAlreadyScanned = "already_scanned" // a redelivered event of a scanned version
	reasonQueueFull      = "queue_full"      // refused; the source may redeliver it
)

// Results of publishing (label values of vigil_malware_results_published_total).
const (
	publishSent    = "sent"
	publishFailed  = "failed"
	publishDropped = "dropped"
)

type metrics struct {
	scans          *prometheus.CounterVec
	bytes          prometheus.Counter
	seconds        prometheus.Histogram
	depth          prometheus.Gauge
	ignored        *prometheus.CounterVec
	published      *prometheus.CounterVec
	actionFailures *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_malware_scans_total", Help: "S3 objects scanned, by result status.",
		}, []string{"status"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigil_malware_scan_bytes_total", Help: "Bytes of S3 objects read by scans.",
		}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "vigil_malware_scan_seconds", Help: "Duration of one object scan, from the first request to the last action.",
			Buckets: prometheus.ExponentialBuckets(0.005, 4, 9),
		}),
		depth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vigil_malware_queue_depth", Help: "Object events waiting for a scan.",
		}),
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_malware_events_ignored_total", Help: "Object events not scanned, by reason.",
		}, []string{"reason"}),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_malware_results_published_total", Help: "Scan-result events sent to publishers, by result (sent, failed, dropped).",
		}, []string{"result"}),
		actionFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigil_malware_post_scan_action_failures_total", Help: "Failed post-scan actions, by action (TAGGING, QUARANTINE, DELETE).",
		}, []string{"action"}),
	}
	for _, s := range []malware.Status{malware.NoThreatsFound, malware.ThreatsFound, malware.Unsupported, malware.AccessDenied, malware.Failed} {
		m.scans.WithLabelValues(string(s))
	}
	for _, r := range []string{reasonNoPlan, reasonInProgress, reasonAlreadyScanned, reasonQueueFull} {
		m.ignored.WithLabelValues(r)
	}
	for _, r := range []string{publishSent, publishFailed, publishDropped} {
		m.published.WithLabelValues(r)
	}
	for _, a := range []string{ActionTypeTagging, ActionTypeQuarantine, ActionTypeDelete} {
		m.actionFailures.WithLabelValues(a)
	}
	if reg != nil {
		reg.MustRegister(m.scans, m.bytes, m.seconds, m.depth, m.ignored, m.published, m.actionFailures)
	}
	return m
}

func (m *metrics) ignore(reason string) { m.ignored.WithLabelValues(reason).Inc() }

func (m *metrics) actionFailed(typ string) { m.actionFailures.WithLabelValues(typ).Inc() }

// scanned counts a finished scan. Status comes from the scanner; anything
// outside the enum is counted as FAILED so labels stay bounded.
func (m *metrics) scanned(rec store.ScanRecord) {
	status := malware.Status(rec.Status)
	switch status {
	case malware.NoThreatsFound, malware.ThreatsFound, malware.Unsupported, malware.AccessDenied:
	default:
		status = malware.Failed
	}
	m.scans.WithLabelValues(string(status)).Inc()
	m.seconds.Observe(rec.CompletedAt.Sub(rec.StartedAt).Seconds())
}
