package protect

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// MaxNotificationBytes bounds the body of one S3 event notification POST.
// S3 sends one record per notification (about 1 KB); servers that batch
// stay far below this.
const MaxNotificationBytes = 1 << 20

// WebhookHandler receives S3 event notifications POSTed by an S3 or
// S3-compatible server (versitygw --event-webhook-url) and delivers their
// object-created events; tagging, deletion and test events are ignored.
// It answers 200 when every event was accepted, 503 with Retry-After when
// one was not (queue full, stopping) so a sender that retries sends the
// notification again, 400 for a body that is not an S3 event notification,
// 413 for a body over MaxNotificationBytes, 405 for methods other than POST.
// A nil logger discards.
func WebhookHandler(deliver Deliver, dec KeyDecoding, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	log := logger.With("component", "protect/webhook")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST S3 event notifications here", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxNotificationBytes))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			http.Error(w, "notification larger than 1 MiB", http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
			return
		}
		events, err := ParseNotification(body, dec)
		if err != nil {
			log.Warn("malformed notification", "remote", r.RemoteAddr, "err", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, ev := range events {
			if err := deliver(r.Context(), ev); err != nil {
				log.Warn("object event not accepted; asking the sender to retry", "bucket", ev.Bucket, "err", err)
				w.Header().Set("Retry-After", "1")
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	})
}
