package api

import (
	"net/http"
	"net/url"
	"strings"
)

func (s *Server) tagRoutes() []route {
	return []route{
		{op: "ListTagsForResource", pattern: "GET /tags/{arn...}", h: s.listTags},
		{op: "TagResource", pattern: "POST /tags/{arn...}", write: true, status: http.StatusNoContent, h: s.tagResource},
		{op: "UntagResource", pattern: "DELETE /tags/{arn...}", write: true, status: http.StatusNoContent, h: s.untagResource},
	}
}

// resourceARN returns the ARN in the path, which clients percent-encode.
func resourceARN(r *http.Request) (string, error) {
	arn, err := url.PathUnescape(r.PathValue("arn"))
	if err != nil || !strings.HasPrefix(arn, "arn:") {
		return "", badRequest("resourceArn %q is not an ARN", r.PathValue("arn"))
	}
	return arn, nil
}

// knownARN reports whether arn names a resource of this detector: the
// detector, or one of its filters, IP sets, threat intel sets or plans
// (which own their tags in their own documents too).
func (s *Server) knownARN(arn string) bool {
	return strings.Contains(arn, ":guardduty:") && (strings.Contains(arn, "detector/"+s.opts.DetectorID) || strings.Contains(arn, "malware-protection-plan/"))
}

func checkTags(tags map[string]string) error {
	if len(tags) > 50 {
		return badRequest("at most 50 tags")
	}
	for k, v := range tags {
		if k == "" || len(k) > 128 || len(v) > 256 || strings.HasPrefix(k, "aws:") {
			return badRequest("invalid tag %q: keys are 1-128 characters not starting with aws:, values at most 256", k)
		}
	}
	return nil
}

func (s *Server) loadTags(r *http.Request) (map[string]map[string]string, error) {
	all := map[string]map[string]string{}
	return all, s.opts.Settings.Load(r.Context(), "tags", &all)
}

func (s *Server) listTags(r *http.Request) (any, error) {
	arn, err := resourceARN(r)
	if err != nil {
		return nil, err
	}
	if !s.knownARN(arn) {
		return nil, notFound("resource %s not found", arn)
	}
	all, err := s.loadTags(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"tags": orEmpty(all[arn])}, nil
}

func (s *Server) tagResource(r *http.Request) (any, error) {
	arn, err := resourceARN(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Tags map[string]string `json:"tags"`
	}
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, badRequest("tags is required")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if !s.knownARN(arn) {
		return nil, notFound("resource %s not found", arn)
	}
	s.tagsMu.Lock()
	defer s.tagsMu.Unlock()
	all, err := s.loadTags(r)
	if err != nil {
		return nil, err
	}
	if all[arn] == nil {
		all[arn] = map[string]string{}
	}
	for k, v := range in.Tags {
		all[arn][k] = v
	}
	if err := checkTags(all[arn]); err != nil {
		return nil, err
	}
	return nil, s.opts.Settings.Save(r.Context(), "tags", all)
}

func (s *Server) untagResource(r *http.Request) (any, error) {
	arn, err := resourceARN(r)
	if err != nil {
		return nil, err
	}
	keys := r.URL.Query()["tagKeys"]
	if len(keys) == 0 {
		return nil, badRequest("tagKeys is required")
	}
	if !s.knownARN(arn) {
		return nil, notFound("resource %s not found", arn)
	}
	s.tagsMu.Lock()
	defer s.tagsMu.Unlock()
	all, err := s.loadTags(r)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		delete(all[arn], k)
	}
	return nil, s.opts.Settings.Save(r.Context(), "tags", all)
}

// DetectorARN is the ARN of Vigil's detector.
func (s *Server) DetectorARN() string {
	return "arn:aws:guardduty:" + s.opts.Region + ":" + s.opts.AccountID + ":detector/" + s.opts.DetectorID
}
