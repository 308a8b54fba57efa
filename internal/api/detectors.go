package api

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// detectorDoc is what the API keeps of Vigil's detector.
type detectorDoc struct {
	Created                    bool              `json:"created"`
	Deleted                    bool              `json:"deleted"`
	Status                     string            `json:"status"` // ENABLED or DISABLED
	FindingPublishingFrequency string            `json:"findingPublishingFrequency"`
	Features                   []detectorFeature `json:"features,omitempty"`
	CreatedAt                  string            `json:"createdAt"`
	UpdatedAt                  string            `json:"updatedAt"`
	Tags                       map[string]string `json:"tags,omitempty"`
}

type detectorFeature struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// Feature names Vigil reports (GuardDuty's DetectorFeature values it
// implements) and the data sources behind them.
var vigilFeatures = []string{"CLOUD_TRAIL", "DNS_LOGS", "FLOW_LOGS", "S3_DATA_EVENTS", "LAMBDA_NETWORK_LOGS"}

var freqs = map[string]bool{"FIFTEEN_MINUTES": true, "ONE_HOUR": true, "SIX_HOURS": true}

func (s *Server) detectorRoutes() []route {
	return []route{
		{op: "CreateDetector", pattern: "POST /detector", write: true, h: s.createDetector},
		{op: "ListDetectors", pattern: "GET /detector", h: s.listDetectors},
		{op: "GetDetector", pattern: "GET /detector/{detectorId}", h: s.getDetector},
		{op: "UpdateDetector", pattern: "POST /detector/{detectorId}", write: true, h: s.updateDetector},
		{op: "DeleteDetector", pattern: "DELETE /detector/{detectorId}", write: true, h: s.deleteDetector},
	}
}

// loadDetector returns the detector's settings. Vigil's detector exists
// from the first start (it analyses logs whether or not the API created
// it) until DeleteDetector.
func (s *Server) loadDetector(r *http.Request) (*detectorDoc, error) {
	d := &detectorDoc{}
	if err := s.opts.Settings.Load(r.Context(), "detector", d); err != nil {
		return nil, err
	}
	if d.Status == "" {
		now := s.now()
		*d = detectorDoc{Status: "ENABLED", FindingPublishingFrequency: "SIX_HOURS", CreatedAt: now, UpdatedAt: now}
	}
	if len(d.Features) == 0 {
		for _, f := range vigilFeatures {
			d.Features = append(d.Features, detectorFeature{Name: f, Status: "ENABLED"})
		}
	}
	return d, nil
}

func (s *Server) now() string { return s.opts.Now().UTC().Format(time.RFC3339) }

// checkDetector returns the settings when the path names Vigil's detector.
func (s *Server) checkDetector(r *http.Request) (*detectorDoc, error) {
	id := r.PathValue("detectorId")
	d, err := s.loadDetector(r)
	if err != nil {
		return nil, err
	}
	if id != s.opts.DetectorID || d.Deleted {
		return nil, badRequest("The request is rejected because the input detectorId is not owned by the current account.")
	}
	return d, nil
}

type detectorInput struct {
	Enable                     *bool             `json:"enable"`
	FindingPublishingFrequency string            `json:"findingPublishingFrequency"`
	Features                   []detectorFeature `json:"features"`
	Tags                       map[string]string `json:"tags"`
	ClientToken                string            `json:"clientToken"`
}

func (s *Server) applyDetector(d *detectorDoc, in detectorInput) error {
	if in.FindingPublishingFrequency != "" {
		if !freqs[in.FindingPublishingFrequency] {
			return badRequest("findingPublishingFrequency %q is not FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS", in.FindingPublishingFrequency)
		}
		d.FindingPublishingFrequency = in.FindingPublishingFrequency
	}
	if in.Enable != nil {
		d.Status = map[bool]string{true: "ENABLED", false: "DISABLED"}[*in.Enable]
	}
	for _, f := range in.Features {
		if f.Status != "ENABLED" && f.Status != "DISABLED" {
			return badRequest("feature %s: status %q is not ENABLED or DISABLED", f.Name, f.Status)
		}
		found := false
		for i := range d.Features {
			if d.Features[i].Name == f.Name {
				d.Features[i].Status, found = f.Status, true
			}
		}
		if !found {
			d.Features = append(d.Features, detectorFeature{Name: f.Name, Status: f.Status})
		}
	}
	if in.Tags != nil {
		if err := checkTags(in.Tags); err != nil {
			return err
		}
		d.Tags = in.Tags
	}
	d.UpdatedAt = s.now()
	return nil
}

func (s *Server) createDetector(r *http.Request) (any, error) {
	var in detectorInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Enable == nil {
		return nil, badRequest("enable is required")
	}
	s.detectorMu.Lock()
	defer s.detectorMu.Unlock()
	d, err := s.loadDetector(r)
	if err != nil {
		return nil, err
	}
	if d.Created && !d.Deleted {
		return nil, badRequest("The request is rejected because a detector already exists for the current account.")
	}
	d.Created, d.Deleted, d.CreatedAt = true, false, s.now()
	if err := s.applyDetector(d, in); err != nil {
		return nil, err
	}
	if err := s.opts.Settings.Save(r.Context(), "detector", d); err != nil {
		return nil, err
	}
	return map[string]string{"detectorId": s.opts.DetectorID}, nil
}

func (s *Server) listDetectors(r *http.Request) (any, error) {
	d, err := s.loadDetector(r)
	if err != nil {
		return nil, err
	}
	ids := []string{}
	if !d.Deleted {
		ids = append(ids, s.opts.DetectorID)
	}
	if v := r.URL.Query().Get("maxResults"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > 50 {
			return nil, badRequest("maxResults must be a number from 1 to 50")
		}
	}
	return map[string]any{"detectorIds": ids}, nil
}

func (s *Server) getDetector(r *http.Request) (any, error) {
	d, err := s.checkDetector(r)
	if err != nil {
		return nil, err
	}
	features := make([]map[string]any, 0, len(d.Features))
	updated, _ := time.Parse(time.RFC3339, d.UpdatedAt)
	for _, f := range d.Features {
		features = append(features, map[string]any{"name": f.Name, "status": f.Status, "updatedAt": updated.Unix()})
	}
	return map[string]any{
		"createdAt": d.CreatedAt, "updatedAt": d.UpdatedAt, "status": d.Status, "serviceRole": "vigil",
		"findingPublishingFrequency": d.FindingPublishingFrequency, "features": features, "tags": orEmpty(d.Tags),
	}, nil
}

func (s *Server) updateDetector(r *http.Request) (any, error) {
	var in detectorInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	s.detectorMu.Lock()
	defer s.detectorMu.Unlock()
	d, err := s.checkDetector(r)
	if err != nil {
		return nil, err
	}
	if err := s.applyDetector(d, in); err != nil {
		return nil, err
	}
	return nil, s.opts.Settings.Save(r.Context(), "detector", d)
}

func (s *Server) deleteDetector(r *http.Request) (any, error) {
	s.detectorMu.Lock()
	defer s.detectorMu.Unlock()
	d, err := s.checkDetector(r)
	if err != nil {
		return nil, err
	}
	d.Deleted, d.Created = true, false
	return nil, s.opts.Settings.Save(r.Context(), "detector", d)
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// PublishingFrequency returns how often updates of existing findings are
// published, the detector's findingPublishingFrequency (6 hours when it
// cannot be read).
func (s *Server) PublishingFrequency(ctx context.Context) time.Duration {
	d := &detectorDoc{}
	if err := s.opts.Settings.Load(ctx, "detector", d); err != nil {
		s.log.Warn("detector settings unreadable; publishing updates every 6 hours", "err", err)
		return 6 * time.Hour
	}
	switch d.FindingPublishingFrequency {
	case "FIFTEEN_MINUTES":
		return 15 * time.Minute
	case "ONE_HOUR":
		return time.Hour
	}
	return 6 * time.Hour
}
