package export

import (
	"encoding/json"
	"fmt"

	"github.com/vigil-sec/vigil/internal/finding"
)

// OCSF constants of the Detection Finding class.
const (
	OCSFVersion       = "1.1.0"
	OCSFClassUID      = 2004
	OCSFCategoryUID   = 2
	ocsfActivityNew   = 1
	ocsfActivityEdit  = 2
	ocsfStatusNew     = 1
	ocsfStatusSuppres = 3
	ocsfMaxEvidences  = 32
)

// ocsfFinding is an OCSF Detection Finding event.
type ocsfFinding struct {
	ClassUID     int    `json:"class_uid"`
	ClassName    string `json:"class_name"`
	CategoryUID  int    `json:"category_uid"`
	CategoryName string `json:"category_name"`
	ActivityID   int    `json:"activity_id"`
	ActivityName string `json:"activity_name"`
	TypeUID      int    `json:"type_uid"`
	TypeName     string `json:"type_name"`
	Time         int64  `json:"time"`
	SeverityID   int    `json:"severity_id"`
	Severity     string `json:"severity"`
	StatusID     int    `json:"status_id"`
	Status       string `json:"status"`
	Message      string `json:"message,omitempty"`
	Count        int    `json:"count,omitempty"`
	StartTime    int64  `json:"start_time,omitempty"`
	EndTime      int64  `json:"end_time,omitempty"`

	Metadata    ocsfMetadata     `json:"metadata"`
	FindingInfo ocsfFindingInfo  `json:"finding_info"`
	Cloud       ocsfCloud        `json:"cloud"`
	Resources   []ocsfResource   `json:"resources,omitempty"`
	Evidences   []ocsfEvidence   `json:"evidences,omitempty"`
	Observables []ocsfObservable `json:"observables,omitempty"`
}

type ocsfMetadata struct {
	Version  string      `json:"version"`
	Product  ocsfProduct `json:"product"`
	Profiles []string    `json:"profiles,omitempty"`
}

type ocsfProduct struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name"`
}

type ocsfFindingInfo struct {
	UID           string   `json:"uid"`
	Title         string   `json:"title"`
	Desc          string   `json:"desc,omitempty"`
	Types         []string `json:"types,omitempty"`
	CreatedTime   int64    `json:"created_time,omitempty"`
	ModifiedTime  int64    `json:"modified_time,omitempty"`
	FirstSeenTime int64    `json:"first_seen_time,omitempty"`
	LastSeenTime  int64    `json:"last_seen_time,omitempty"`
}

type ocsfCloud struct {
	Provider string       `json:"provider"`
	Region   string       `json:"region,omitempty"`
	Account  *ocsfAccount `json:"account,omitempty"`
}

type ocsfAccount struct {
	UID    string `json:"uid"`
	Type   string `json:"type"`
	TypeID int    `json:"type_id"`
}

type ocsfResource struct {
	UID            string       `json:"uid"`
	Name           string       `json:"name,omitempty"`
	Type           string       `json:"type"`
	Region         string       `json:"region,omitempty"`
	CloudPartition string       `json:"cloud_partition,omitempty"`
	Labels         []string     `json:"labels,omitempty"`
	Data           *asffDetails `json:"data,omitempty"`
}

type ocsfObservable struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	TypeID int    `json:"type_id"`
	Value  string `json:"value"`
}

// Observable types (OCSF's observable type_id).
const (
	ocsfObsHostname    = 1
	ocsfObsIP          = 2
	ocsfObsResourceUID = 10
)

// OCSF renders f as an OCSF Detection Finding (class 2004, schema 1.1.0);
// the mapping is in the package doc.
func OCSF(f finding.Finding) ([]byte, error) {
	b, err := json.Marshal(ocsfOf(&f))
	if err != nil {
		return nil, fmt.Errorf("finding %s: ocsf: %w", f.ID, err)
	}
	return b, nil
}

func ocsfOf(f *finding.Finding) ocsfFinding {
	sevID, sev := ocsfSeverity(f.Severity)
	act, actName := ocsfActivityNew, "Create"
	if f.Service.Count > 1 || f.UpdatedAt.After(f.CreatedAt.Time) {
		act, actName = ocsfActivityEdit, "Update"
	}
	status, statusName := ocsfStatusNew, "New"
	if f.Service.Archived {
		status, statusName = ocsfStatusSuppres, "Suppressed"
	}
	title := findingTitle(f)
	uid := firstNonEmpty(arn(f), f.ID, "unknown")
	o := ocsfFinding{
		ClassUID: OCSFClassUID, ClassName: "Detection Finding",
		CategoryUID: OCSFCategoryUID, CategoryName: "Findings",
		ActivityID: act, ActivityName: actName,
		TypeUID: OCSFClassUID*100 + act, TypeName: "Detection Finding: " + actName,
		Time:       millis(firstTime(f.UpdatedAt, f.CreatedAt)),
		SeverityID: sevID, Severity: sev,
		StatusID: status, Status: statusName,
		Message:   title,
		Count:     max(f.Service.Count, 0),
		StartTime: millis(f.Service.EventFirstSeen),
		EndTime:   millis(f.Service.EventLastSeen),
		Metadata: ocsfMetadata{Version: OCSFVersion, Product: ocsfProduct{Name: "Vigil", VendorName: "Vigil"},
			Profiles: []string{"cloud"}},
		FindingInfo: ocsfFindingInfo{UID: uid, Title: title, Desc: f.Description,
			CreatedTime: millis(f.CreatedAt), ModifiedTime: millis(f.UpdatedAt),
			FirstSeenTime: millis(f.Service.EventFirstSeen), LastSeenTime: millis(f.Service.EventLastSeen)},
		Cloud: ocsfCloud{Provider: "AWS", Region: f.Region},
	}
	if f.Type != "" {
		o.FindingInfo.Types = []string{f.Type}
	}
	if f.AccountID != "" {
		o.Cloud.Account = &ocsfAccount{UID: f.AccountID, Type: "AWS Account", TypeID: 10}
	}
	for _, r := range asffResources(f) {
		res := ocsfResource{UID: r.ID, Name: r.name, Type: r.Type, Region: r.Region, CloudPartition: r.Partition, Data: r.Details}
		for _, k := range sortedKeys(r.Tags) {
			res.Labels = append(res.Labels, k+"="+r.Tags[k])
		}
		o.Resources = append(o.Resources, res)
		o.Observables = append(o.Observables, ocsfObservable{Name: "resources[].uid", Type: "Resource UID", TypeID: ocsfObsResourceUID, Value: r.ID})
	}
	o.Evidences = ocsfEvidences(f)
	o.Observables = append(o.Observables, evidenceObservables(o.Evidences)...)
	return o
}

// ocsfSeverity maps a GuardDuty severity to OCSF's severity_id: Low 2,
// Medium 3, High 4, Critical 5.
func ocsfSeverity(sev float64) (int, string) {
	switch lv := finding.LevelOf(finite(sev)); lv {
	case finding.Critical:
		return 5, "Critical"
	case finding.High:
		return 4, "High"
	case finding.Medium:
		return 3, "Medium"
	}
	return 2, "Low"
}

// evidenceObservables lists the addresses and domains of the evidences.
func evidenceObservables(evs []ocsfEvidence) []ocsfObservable {
	var out []ocsfObservable
	seen := map[string]bool{}
	add := func(name, typ string, id int, v string) {
		if v == "" || seen[name+v] {
			return
		}
		seen[name+v] = true
		out = append(out, ocsfObservable{Name: name, Type: typ, TypeID: id, Value: v})
	}
	for _, e := range evs {
		if e.SrcEndpoint != nil {
			add("evidences[].src_endpoint.ip", "IP Address", ocsfObsIP, e.SrcEndpoint.IP)
		}
		if e.DstEndpoint != nil {
			add("evidences[].dst_endpoint.ip", "IP Address", ocsfObsIP, e.DstEndpoint.IP)
		}
		if e.Query != nil {
			add("evidences[].query.hostname", "Hostname", ocsfObsHostname, e.Query.Hostname)
		}
	}
	return out
}
