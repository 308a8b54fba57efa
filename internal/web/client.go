package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/vigil-sec/vigil/internal/api"
	"github.com/vigil-sec/vigil/internal/finding"
)

// APIError is an error answer of the API: GuardDuty's error type and
// message, and the HTTP status.
type APIError struct {
	Status  int
	Type    string
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("%s (%d): %s", e.Type, e.Status, e.Message) }

// Client calls the GuardDuty API in-process as one user: each request is
// signed with the user's key and served by the API's handler, so the API's
// authentication, authorization and validation apply unchanged.
type Client struct {
	api        http.Handler
	user       *api.User
	detectorID string
	signer     *v4.Signer
	now        func() time.Time
}

// newClient returns a client of h signing as u.
func newClient(h http.Handler, u *api.User, detectorID string, now func() time.Time) *Client {
	return &Client{api: h, user: u, detectorID: detectorID, signer: v4.NewSigner(), now: now}
}

// do sends one signed request and decodes the JSON answer into out (when
// not nil). A random nonce header makes every signature unique, so two
// identical calls in one second are not refused as replays.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	req := httptest.NewRequestWithContext(ctx, method, "http://vigil.console"+path, bytes.NewReader(body))
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
		// A server keeps Content-Length among the headers, and the signer
		// signs it; an in-process request must carry it the same way.
		req.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	var nonce [12]byte
	rand.Read(nonce[:])
	req.Header.Set("X-Vigil-Console-Nonce", hex.EncodeToString(nonce[:]))
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: c.user.AccessKeyID, SecretAccessKey: c.user.SecretAccessKey}
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "guardduty", "us-east-1", c.now()); err != nil {
		return fmt.Errorf("sign %s %s: %w", method, path, err)
	}
	rec := httptest.NewRecorder()
	c.api.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		e := &APIError{Status: rec.Code}
		var m struct{ Type, Message string }
		if json.Unmarshal(rec.Body.Bytes(), &m) == nil {
			e.Type, e.Message = m.Type, m.Message
		}
		if e.Type == "" {
			e.Type, e.Message = "HTTPError", http.StatusText(rec.Code)
		}
		return e
	}
	if out != nil && rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			return fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return nil
}

func (c *Client) findingsPath(op string) string {
	return "/detector/" + c.detectorID + "/findings" + op
}

// ListFindings returns one page of finding ids matching criteria (GuardDuty
// FindingCriteria JSON, nil for all), sorted by attr (desc when desc).
func (c *Client) ListFindings(ctx context.Context, criteria json.RawMessage, attr string, desc bool, max int, token string) ([]string, string, error) {
	in := map[string]any{"maxResults": max}
	if criteria != nil {
		in["findingCriteria"] = criteria
	}
	if attr != "" {
		order := "ASC"
		if desc {
			order = "DESC"
		}
		in["sortCriteria"] = map[string]string{"attributeName": attr, "orderBy": order}
	}
	if token != "" {
		in["nextToken"] = token
	}
	var out struct {
		FindingIDs []string `json:"findingIds"`
		NextToken  string   `json:"nextToken"`
	}
	err := c.do(ctx, http.MethodPost, c.findingsPath(""), in, &out)
	return out.FindingIDs, out.NextToken, err
}

// GetFindings returns the findings with the ids (unknown ids are left out).
func (c *Client) GetFindings(ctx context.Context, ids []string) ([]finding.Finding, error) {
	var out struct {
		Findings []finding.Finding `json:"findings"`
	}
	err := c.do(ctx, http.MethodPost, c.findingsPath("/get"), map[string]any{"findingIds": ids}, &out)
	return out.Findings, err
}

// Stats is the findingStatistics of GetFindingsStatistics.
type Stats struct {
	CountBySeverity      map[string]int `json:"countBySeverity"`
	GroupedByAccount     []StatGroup    `json:"groupedByAccount"`
	GroupedByDate        []StatGroup    `json:"groupedByDate"`
	GroupedByFindingType []StatGroup    `json:"groupedByFindingType"`
	GroupedByResource    []StatGroup    `json:"groupedByResource"`
}

// StatGroup is one group of a grouped statistic.
type StatGroup struct {
	TotalFindings int     `json:"totalFindings"`
	AccountID     string  `json:"accountId"`
	Date          float64 `json:"date"` // seconds since the epoch
	Severity      float64 `json:"severity"`
	FindingType   string  `json:"findingType"`
	ResourceType  string  `json:"resourceType"`
	ResourceID    string  `json:"resourceId"`
}

// Statistics calls GetFindingsStatistics: COUNT_BY_SEVERITY when groupBy
// is "", else the grouped form with at most max groups.
func (c *Client) Statistics(ctx context.Context, criteria json.RawMessage, groupBy string, max int) (Stats, error) {
	in := map[string]any{}
	if criteria != nil {
		in["findingCriteria"] = criteria
	}
	if groupBy == "" {
		in["findingStatisticTypes"] = []string{"COUNT_BY_SEVERITY"}
	} else {
		in["groupBy"], in["maxResults"] = groupBy, max
	}
	var out struct {
		FindingStatistics Stats `json:"findingStatistics"`
	}
	err := c.do(ctx, http.MethodPost, c.findingsPath("/statistics"), in, &out)
	return out.FindingStatistics, err
}

// Archive archives the findings.
func (c *Client) Archive(ctx context.Context, ids []string) error {
	return c.do(ctx, http.MethodPost, c.findingsPath("/archive"), map[string]any{"findingIds": ids}, nil)
}

// Unarchive unarchives the findings.
func (c *Client) Unarchive(ctx context.Context, ids []string) error {
	return c.do(ctx, http.MethodPost, c.findingsPath("/unarchive"), map[string]any{"findingIds": ids}, nil)
}

// Filter is a saved filter or suppression rule (GetFilter).
type Filter struct {
	Name            string          `json:"name"`
	Description     string          `json:"description"`
	Action          string          `json:"action"`
	Rank            int             `json:"rank"`
	FindingCriteria json.RawMessage `json:"findingCriteria"`
}

// CreateFilter creates a filter with action ARCHIVE or NOOP.
func (c *Client) CreateFilter(ctx context.Context, name, action string, criteria json.RawMessage) error {
	in := map[string]any{"name": name, "action": action, "findingCriteria": criteria}
	return c.do(ctx, http.MethodPost, "/detector/"+c.detectorID+"/filter", in, nil)
}

// ListFilters returns the names of all filters, in rank order.
func (c *Client) ListFilters(ctx context.Context) ([]string, error) {
	return c.listAll(ctx, "/detector/"+c.detectorID+"/filter", "filterNames")
}

// GetFilter returns one filter.
func (c *Client) GetFilter(ctx context.Context, name string) (Filter, error) {
	var f Filter
	err := c.do(ctx, http.MethodGet, "/detector/"+c.detectorID+"/filter/"+url.PathEscape(name), nil, &f)
	return f, err
}

// List is an IP set or threat intel set (GetIPSet, GetThreatIntelSet).
type List struct {
	ID       string `json:"-"`
	Name     string `json:"name"`
	Format   string `json:"format"`
	Location string `json:"location"`
	Status   string `json:"status"`
}

// ListIPSets returns the ids of the IP sets (trusted lists).
func (c *Client) ListIPSets(ctx context.Context) ([]string, error) {
	return c.listAll(ctx, "/detector/"+c.detectorID+"/ipset", "ipSetIds")
}

// GetIPSet returns one IP set.
func (c *Client) GetIPSet(ctx context.Context, id string) (List, error) {
	l := List{ID: id}
	err := c.do(ctx, http.MethodGet, "/detector/"+c.detectorID+"/ipset/"+url.PathEscape(id), nil, &l)
	return l, err
}

// ListThreatIntelSets returns the ids of the threat intel sets.
func (c *Client) ListThreatIntelSets(ctx context.Context) ([]string, error) {
	return c.listAll(ctx, "/detector/"+c.detectorID+"/threatintelset", "threatIntelSetIds")
}

// GetThreatIntelSet returns one threat intel set.
func (c *Client) GetThreatIntelSet(ctx context.Context, id string) (List, error) {
	l := List{ID: id}
	err := c.do(ctx, http.MethodGet, "/detector/"+c.detectorID+"/threatintelset/"+url.PathEscape(id), nil, &l)
	return l, err
}

// Plan is a Malware Protection plan (GetMalwareProtectionPlan).
type Plan struct {
	ID                string `json:"-"`
	Status            string `json:"status"`
	ProtectedResource struct {
		S3Bucket struct {
			BucketName     string   `json:"bucketName"`
			ObjectPrefixes []string `json:"objectPrefixes"`
		} `json:"s3Bucket"`
	} `json:"protectedResource"`
	Actions struct {
		Tagging struct {
			Status string `json:"status"`
		} `json:"tagging"`
	} `json:"actions"`
	StatusReasons []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"statusReasons"`
}

// ListMalwareProtectionPlans returns the ids of the plans.
func (c *Client) ListMalwareProtectionPlans(ctx context.Context) ([]string, error) {
	var ids []string
	token := ""
	for range 100 {
		var out struct {
			Plans []struct {
				ID string `json:"malwareProtectionPlanId"`
			} `json:"malwareProtectionPlans"`
			NextToken string `json:"nextToken"`
		}
		if err := c.do(ctx, http.MethodGet, "/malware-protection-plan"+tokenQuery(token), nil, &out); err != nil {
			return nil, err
		}
		for _, p := range out.Plans {
			ids = append(ids, p.ID)
		}
		if token = out.NextToken; token == "" {
			break
		}
	}
	return ids, nil
}

// GetMalwareProtectionPlan returns one plan.
func (c *Client) GetMalwareProtectionPlan(ctx context.Context, id string) (Plan, error) {
	p := Plan{ID: id}
	err := c.do(ctx, http.MethodGet, "/malware-protection-plan/"+url.PathEscape(id), nil, &p)
	return p, err
}

// listAll follows the nextToken of a GET list operation (these lists are
// small: at most 100 filters, 1 IP set, 6 threat intel sets).
func (c *Client) listAll(ctx context.Context, path, field string) ([]string, error) {
	var all []string
	token := ""
	for range 100 {
		var out map[string]json.RawMessage
		if err := c.do(ctx, http.MethodGet, path+tokenQuery(token), nil, &out); err != nil {
			return nil, err
		}
		var page []string
		if err := json.Unmarshal(out[field], &page); err != nil && out[field] != nil {
			return nil, fmt.Errorf("decode %s: %w", field, err)
		}
		all = append(all, page...)
		token = ""
		if raw, ok := out["nextToken"]; ok {
			json.Unmarshal(raw, &token)
		}
		if token == "" {
			break
		}
	}
	return all, nil
}

func tokenQuery(token string) string {
	if token == "" {
		return ""
	}
	return "?nextToken=" + url.QueryEscape(token)
}
