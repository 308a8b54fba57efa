package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Malware Protection plans: one per bucket. Plans created through the API
// are kept in the "plans" settings document and read by cmd/vigil at start
// (Plans); the plans of vigil.yaml (SetConfigPlans) are listed beside them,
// read-only.

// PlanSpec is what the malware scanner needs of a plan.
type PlanSpec struct {
	ID       string
	Bucket   string
	Prefixes []string // object key prefixes; none: the whole bucket
	Tagging  bool     // write GuardDutyMalwareScanStatus on scanned objects
}

func (p PlanSpec) equal(q PlanSpec) bool {
	return p.ID == q.ID && p.Bucket == q.Bucket && p.Tagging == q.Tagging && slices.Equal(p.Prefixes, q.Prefixes)
}

// Plan limits (GuardDuty's).
const (
	maxPlanPrefixes    = 5
	maxPlanPrefixBytes = 1024
	maxPlanRole        = 2048
)

var (
	plansMu  sync.Mutex // serializes changes of the "plans" document
	bucketRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// planDoc is a plan created through the API, as stored.
type planDoc struct {
	ID          string   `json:"id"`
	Role        string   `json:"role"`
	Bucket      string   `json:"bucket"`
	Prefixes    []string `json:"prefixes,omitempty"`
	Tagging     bool     `json:"tagging"`
	ClientToken string   `json:"clientToken,omitempty"`
	CreatedAt   int64    `json:"createdAt"` // Unix seconds
}

func (p planDoc) spec() PlanSpec {
	return PlanSpec{ID: p.ID, Bucket: p.Bucket, Prefixes: p.Prefixes, Tagging: p.Tagging}
}

// planInput is the body of CreateMalwareProtectionPlan and
// UpdateMalwareProtectionPlan.
type planInput struct {
	ClientToken       string  `json:"clientToken"`
	Role              *string `json:"role"`
	ProtectedResource *struct {
		S3Bucket *struct {
			BucketName     *string   `json:"bucketName"`
			ObjectPrefixes *[]string `json:"objectPrefixes"`
		} `json:"s3Bucket"`
	} `json:"protectedResource"`
	Actions *struct {
		Tagging *struct {
			Status string `json:"status"`
		} `json:"tagging"`
	} `json:"actions"`
	Tags map[string]string `json:"tags"`
}

func (s *Server) planRoutes() []route {
	return []route{
		{op: "CreateMalwareProtectionPlan", pattern: "POST /malware-protection-plan", write: true, h: s.createPlan},
		{op: "ListMalwareProtectionPlans", pattern: "GET /malware-protection-plan", h: s.listPlans},
		{op: "GetMalwareProtectionPlan", pattern: "GET /malware-protection-plan/{planId}", h: s.getPlan},
		{op: "UpdateMalwareProtectionPlan", pattern: "PATCH /malware-protection-plan/{planId}", write: true, h: s.updatePlan},
		{op: "DeleteMalwareProtectionPlan", pattern: "DELETE /malware-protection-plan/{planId}", write: true, h: s.deletePlan},
	}
}

// PlanARN is the ARN of a Malware Protection plan.
func (s *Server) PlanARN(id string) string {
	return "arn:aws:guardduty:" + s.opts.Region + ":" + s.opts.AccountID + ":malware-protection-plan/" + id
}

// SetConfigPlans sets the plans of vigil.yaml, which the API lists and
// shows beside its own but never changes. Call it before serving.
func (s *Server) SetConfigPlans(plans []PlanSpec) {
	st := &s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	st.configPlans = slices.Clone(plans)
}

func (s *Server) configPlans() []PlanSpec {
	st := &s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.configPlans
}

// Plans returns the plans created through the API, for cmd/vigil to run
// beside those of vigil.yaml. A plan whose bucket is also protected by a
// plan of vigil.yaml (SetConfigPlans) is left out: vigil.yaml wins, and
// the API shows the plan with status ERROR. Plans created or changed
// after the last call show status WARNING until it is called again (at
// the next start).
func (s *Server) Plans(ctx context.Context) ([]PlanSpec, error) {
	var ps []planDoc
	if err := s.opts.Settings.Load(ctx, "plans", &ps); err != nil {
		return nil, err
	}
	config := s.configPlans()
	out := []PlanSpec{}
	applied := map[string]PlanSpec{}
	for _, p := range ps {
		if configPlanFor(config, p.Bucket) != nil {
			continue
		}
		out = append(out, p.spec())
		applied[p.ID] = p.spec()
	}
	st := &s.state
	st.mu.Lock()
	st.applied = applied
	st.mu.Unlock()
	return out, nil
}

// configPlanFor returns the plan of vigil.yaml that protects bucket.
func configPlanFor(config []PlanSpec, bucket string) *PlanSpec {
	for i := range config {
		if config[i].Bucket == bucket {
			return &config[i]
		}
	}
	return nil
}

func (s *Server) loadPlans(ctx context.Context) ([]planDoc, error) {
	var ps []planDoc
	return ps, s.opts.Settings.Load(ctx, "plans", &ps)
}

func (s *Server) savePlans(ctx context.Context, ps []planDoc) error {
	return s.opts.Settings.Save(ctx, "plans", ps)
}

// findPlan returns the index of the path's API plan; a plan of vigil.yaml
// or an unknown id is an error.
func (s *Server) findPlan(r *http.Request, ps []planDoc) (int, error) {
	id := r.PathValue("planId")
	for i := range ps {
		if ps[i].ID == id {
			return i, nil
		}
	}
	for _, c := range s.configPlans() {
		if c.ID == id {
			return -1, badRequest("malware protection plan %s is defined in vigil.yaml; change it there", id)
		}
	}
	return -1, notFound("malware protection plan %s not found", id)
}

func newPlanID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// applyPlan validates and applies the role, prefixes and tagging of in.
func applyPlan(p *planDoc, in planInput) error {
	if in.Role != nil {
		if !strings.HasPrefix(*in.Role, "arn:") || len(*in.Role) > maxPlanRole {
			return badRequest("role %q is not an IAM role ARN", *in.Role)
		}
		p.Role = *in.Role
	}
	if in.ProtectedResource != nil && in.ProtectedResource.S3Bucket != nil && in.ProtectedResource.S3Bucket.ObjectPrefixes != nil {
		prefixes := *in.ProtectedResource.S3Bucket.ObjectPrefixes
		if len(prefixes) > maxPlanPrefixes {
			return badRequest("objectPrefixes has %d prefixes; at most %d", len(prefixes), maxPlanPrefixes)
		}
		for _, pre := range prefixes {
			if pre == "" || len(pre) > maxPlanPrefixBytes {
				return badRequest("object prefix %q is not 1 to %d characters", pre, maxPlanPrefixBytes)
			}
		}
		p.Prefixes = slices.Clone(prefixes)
	}
	if in.Actions != nil && in.Actions.Tagging != nil {
		switch in.Actions.Tagging.Status {
		case "ENABLED", "DISABLED":
			p.Tagging = in.Actions.Tagging.Status == "ENABLED"
		default:
			return badRequest("actions.tagging.status %q is not ENABLED or DISABLED", in.Actions.Tagging.Status)
		}
	}
	return nil
}

func (s *Server) createPlan(r *http.Request) (any, error) {
	var in planInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if in.Role == nil {
		return nil, badRequest("role is required")
	}
	if in.ProtectedResource == nil || in.ProtectedResource.S3Bucket == nil || in.ProtectedResource.S3Bucket.BucketName == nil {
		return nil, badRequest("protectedResource.s3Bucket.bucketName is required")
	}
	bucket := *in.ProtectedResource.S3Bucket.BucketName
	if !bucketRe.MatchString(bucket) {
		return nil, badRequest("bucketName %q is not a valid S3 bucket name", bucket)
	}
	// Tagging is off unless asked for, as in GuardDuty's API.
	p := planDoc{ID: newPlanID(), Bucket: bucket, ClientToken: in.ClientToken, CreatedAt: s.opts.Now().Unix()}
	if err := applyPlan(&p, in); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	s.plansMu.Lock()
	defer s.plansMu.Unlock()
	ps, err := s.loadPlans(r.Context())
	if err != nil {
		return nil, err
	}
	if c := configPlanFor(s.configPlans(), bucket); c != nil {
		return nil, conflict("bucket %s is already protected by malware protection plan %s (vigil.yaml)", bucket, c.ID)
	}
	for _, o := range ps {
		if in.ClientToken != "" && o.ClientToken == in.ClientToken && o.Bucket == bucket {
			return map[string]string{"malwareProtectionPlanId": o.ID}, nil // a retry of the same request
		}
		if o.Bucket == bucket {
			return nil, conflict("bucket %s is already protected by malware protection plan %s", bucket, o.ID)
		}
	}
	if err := s.opts.Settings.Save(r.Context(), "plans", append(ps, p)); err != nil {
		return nil, err
	}
	s.plansChanged()
	if len(in.Tags) > 0 {
		if err := s.setResourceTags(r, s.PlanARN(p.ID), in.Tags); err != nil {
			return nil, err
		}
	}
	return map[string]string{"malwareProtectionPlanId": p.ID}, nil
}

func (s *Server) getPlan(r *http.Request) (any, error) {
	id := r.PathValue("planId")
	for _, c := range s.configPlans() {
		if c.ID == id {
			return s.planResponse(r, planDoc{ID: c.ID, Bucket: c.Bucket, Prefixes: c.Prefixes, Tagging: c.Tagging}, "ACTIVE", nil)
		}
	}
	ps, err := s.loadPlans(r.Context())
	if err != nil {
		return nil, err
	}
	i, err := s.findPlan(r, ps)
	if err != nil {
		return nil, err
	}
	status, reasons := s.planStatus(ps[i])
	return s.planResponse(r, ps[i], status, reasons)
}

// planStatus is ACTIVE for a plan the scanner runs (Plans returned it as
// it is), ERROR when vigil.yaml protects its bucket, WARNING when it was
// created or changed since.
func (s *Server) planStatus(p planDoc) (string, []map[string]string) {
	if c := configPlanFor(s.configPlans(), p.Bucket); c != nil {
		return "ERROR", []map[string]string{{"code": "BUCKET_IN_CONFIG",
			"message": "bucket " + p.Bucket + " is protected by plan " + c.ID + " of vigil.yaml, which takes precedence"}}
	}
	st := &s.state
	st.mu.Lock()
	applied, ok := st.applied[p.ID]
	st.mu.Unlock()
	if !ok || !applied.equal(p.spec()) {
		if s.opts.PlansChanged != nil {
			return "WARNING", []map[string]string{{"code": "APPLYING",
				"message": "Vigil is applying this plan; it becomes ACTIVE within seconds"}}
		}
		return "WARNING", []map[string]string{{"code": "RESTART_REQUIRED",
			"message": "Vigil applies plans created or changed through the API when it starts; restart it to apply this one"}}
	}
	return "ACTIVE", nil
}

func (s *Server) planResponse(r *http.Request, p planDoc, status string, reasons []map[string]string) (any, error) {
	tags, err := s.resourceTags(r, s.PlanARN(p.ID))
	if err != nil {
		return nil, err
	}
	bucket := map[string]any{"bucketName": p.Bucket}
	if len(p.Prefixes) > 0 {
		bucket["objectPrefixes"] = p.Prefixes
	}
	tagging := map[bool]string{true: "ENABLED", false: "DISABLED"}[p.Tagging]
	resp := map[string]any{
		"arn": s.PlanARN(p.ID), "protectedResource": map[string]any{"s3Bucket": bucket},
		"actions": map[string]any{"tagging": map[string]string{"status": tagging}},
		"status":  status, "statusReasons": orNone(reasons), "tags": tags,
	}
	if p.Role != "" {
		resp["role"] = p.Role
	}
	if p.CreatedAt != 0 {
		resp["createdAt"] = p.CreatedAt
	}
	return resp, nil
}

func orNone(reasons []map[string]string) []map[string]string {
	if reasons == nil {
		return []map[string]string{}
	}
	return reasons
}

func (s *Server) updatePlan(r *http.Request) (any, error) {
	var in planInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	_, err := s.editPlan(r, func(ps []planDoc, i int) ([]planDoc, error) {
		if b := in.ProtectedResource; b != nil && b.S3Bucket != nil && b.S3Bucket.BucketName != nil && *b.S3Bucket.BucketName != ps[i].Bucket {
			return nil, badRequest("the bucket of a malware protection plan cannot change; create a plan for %s instead", *b.S3Bucket.BucketName)
		}
		return ps, applyPlan(&ps[i], in)
	})
	return nil, err
}

// plansChanged tells the service that the plans changed.
func (s *Server) plansChanged() {
	if s.opts.PlansChanged != nil {
		s.opts.PlansChanged()
	}
}

func (s *Server) deletePlan(r *http.Request) (any, error) {
	p, err := s.editPlan(r, deleteAt)
	if err != nil {
		return nil, err
	}
	return nil, s.setResourceTags(r, s.PlanARN(p.ID), nil)
}

func (s *Server) listPlans(r *http.Request) (any, error) {
	ps, err := s.loadPlans(r.Context())
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range s.configPlans() {
		ids = append(ids, c.ID)
	}
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	page, next, err := listPage(r, ids)
	if err != nil {
		return nil, err
	}
	summaries := make([]map[string]string, len(page))
	for i, id := range page {
		summaries[i] = map[string]string{"malwareProtectionPlanId": id}
	}
	return withNextToken(map[string]any{"malwareProtectionPlans": summaries}, next), nil
}
