package export

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/vigil-sec/vigil/internal/finding"
)

// ASFFSchemaVersion is the AWS Security Finding Format version ASFF writes.
const ASFFSchemaVersion = "2018-10-08"

// ASFF limits (Security Hub's AwsSecurityFinding).
const (
	asffMaxTitle        = 256
	asffMaxDescription  = 1024
	asffMaxResources    = 32
	asffMaxTags         = 50
	asffMaxThreats      = 32
	asffMaxThreatPaths  = 5
	asffMaxFields       = 50
	asffMaxFieldKey     = 128
	asffMaxFieldValue   = 2048
	asffMaxOtherValue   = 1023
	asffMaxTagKey       = 128
	asffMaxTagValue     = 256
	asffProductFieldKey = "aws/guardduty/service"
)

// asffFinding is an AwsSecurityFinding, with the wire names of Security
// Hub's API.
type asffFinding struct {
	SchemaVersion         string              `json:"SchemaVersion"`
	ID                    string              `json:"Id"`
	ProductArn            string              `json:"ProductArn"`
	GeneratorID           string              `json:"GeneratorId"`
	AwsAccountID          string              `json:"AwsAccountId"`
	Region                string              `json:"Region,omitempty"`
	Types                 []string            `json:"Types"`
	FindingProviderFields *asffProviderFields `json:"FindingProviderFields,omitempty"`
	FirstObservedAt       string              `json:"FirstObservedAt,omitempty"`
	LastObservedAt        string              `json:"LastObservedAt,omitempty"`
	CreatedAt             string              `json:"CreatedAt"`
	UpdatedAt             string              `json:"UpdatedAt"`
	Severity              asffSeverity        `json:"Severity"`
	Title                 string              `json:"Title"`
	Description           string              `json:"Description"`
	ProductFields         map[string]string   `json:"ProductFields,omitempty"`
	Resources             []asffResource      `json:"Resources"`
	Network               *asffNetwork        `json:"Network,omitempty"`
	Action                *asffAction         `json:"Action,omitempty"`
	Threats               []asffThreat        `json:"Threats,omitempty"`
	Sample                bool                `json:"Sample,omitempty"`
	RecordState           string              `json:"RecordState"`
	Workflow              asffWorkflow        `json:"Workflow"`
}

type asffProviderFields struct {
	Types    []string              `json:"Types,omitempty"`
	Severity *asffProviderSeverity `json:"Severity,omitempty"`
}

type asffProviderSeverity struct {
	Label    string `json:"Label,omitempty"`
	Original string `json:"Original,omitempty"`
}

type asffSeverity struct {
	Label      string  `json:"Label"`
	Normalized int     `json:"Normalized"`
	Original   string  `json:"Original,omitempty"`
	Product    float64 `json:"Product"`
}

type asffWorkflow struct {
	Status string `json:"Status"`
}

type asffThreat struct {
	Name      string         `json:"Name,omitempty"`
	Severity  string         `json:"Severity,omitempty"`
	ItemCount *int32         `json:"ItemCount,omitempty"`
	FilePaths []asffFilePath `json:"FilePaths,omitempty"`
}

type asffFilePath struct {
	FilePath   string `json:"FilePath,omitempty"`
	FileName   string `json:"FileName,omitempty"`
	Hash       string `json:"Hash,omitempty"`
	ResourceID string `json:"ResourceId,omitempty"`
}

// ASFF renders f as an AWS Security Finding Format object, as GuardDuty's
// Security Hub integration sends it (the mapping is in the package doc).
func ASFF(f finding.Finding) ([]byte, error) {
	b, err := json.Marshal(asffOf(&f))
	if err != nil {
		return nil, fmt.Errorf("finding %s: asff: %w", f.ID, err)
	}
	return b, nil
}

func asffOf(f *finding.Finding) asffFinding {
	part := partition(f)
	sev := asffSeverityOf(f.Severity)
	types := asffTypes(f.Type)
	title := findingTitle(f)
	desc := firstNonEmpty(f.Description, title)
	created := firstTime(f.CreatedAt, f.UpdatedAt, epoch)
	a := asffFinding{
		SchemaVersion: ASFFSchemaVersion,
		ID:            arn(f),
		ProductArn:    "arn:" + part + ":securityhub:" + f.Region + "::product/aws/guardduty",
		GeneratorID:   f.Type,
		AwsAccountID:  f.AccountID,
		Region:        f.Region,
		Types:         types,
		FindingProviderFields: &asffProviderFields{Types: types,
			Severity: &asffProviderSeverity{Label: sev.Label, Original: sev.Original}},
		FirstObservedAt: stamp(f.Service.EventFirstSeen),
		LastObservedAt:  stamp(f.Service.EventLastSeen),
		CreatedAt:       created.String(),
		UpdatedAt:       firstTime(f.UpdatedAt, created).String(),
		Severity:        sev,
		Title:           truncate(title, asffMaxTitle),
		Description:     truncate(desc, asffMaxDescription),
		ProductFields:   productFields(f.Service),
		Resources:       asffResources(f),
		Network:         asffNetworkOf(f.Service.Action),
		Action:          asffActionOf(f.Service.Action),
		Threats:         asffThreats(&f.Service),
		Sample:          isSample(f),
		RecordState:     "ACTIVE",
		Workflow:        asffWorkflow{Status: "NEW"},
	}
	if a.ID == "" {
		a.ID = firstNonEmpty(f.ID, "unknown")
	}
	if d := f.Service.DetectorID; d != "" {
		a.GeneratorID = "arn:" + part + ":guardduty:" + f.Region + ":" + f.AccountID + ":detector/" + d
	}
	if a.GeneratorID == "" {
		a.GeneratorID = "guardduty"
	}
	if f.Service.Archived {
		a.RecordState = "ARCHIVED"
	}
	return a
}

// asffSeverityOf maps a GuardDuty severity to ASFF's: the band's label and
// severity×10 kept inside the band's normalized range.
func asffSeverityOf(sev float64) asffSeverity {
	sev = finite(sev)
	lv := finding.LevelOf(sev)
	lo, hi, label := 1, 39, "LOW"
	switch lv {
	case finding.Medium:
		lo, hi, label = 40, 69, "MEDIUM"
	case finding.High:
		lo, hi, label = 70, 89, "HIGH"
	case finding.Critical:
		lo, hi, label = 90, 100, "CRITICAL"
	}
	n := int(math.Round(math.Max(0, math.Min(sev, 10)) * 10))
	n = max(lo, min(n, hi))
	return asffSeverity{Label: label, Normalized: n, Original: strconv.FormatFloat(sev, 'f', -1, 64), Product: sev}
}

// asffThreats lists the threats of malware scans.
func asffThreats(s *finding.Service) []asffThreat {
	var out []asffThreat
	if m := s.MalwareScanDetails; m != nil {
		for _, t := range m.Threats {
			th := asffThreat{Name: t.Name, ItemCount: count32(t.Count)}
			for _, p := range t.ItemPaths {
				if len(th.FilePaths) == asffMaxThreatPaths {
					break
				}
				th.FilePaths = append(th.FilePaths, asffFilePath{FilePath: p.NestedItemPath, Hash: p.Hash})
			}
			out = append(out, th)
		}
	}
	if e := s.EbsVolumeScanDetails; e != nil && e.ScanDetections != nil && e.ScanDetections.ThreatDetectedByName != nil {
		for _, t := range e.ScanDetections.ThreatDetectedByName.ThreatNames {
			th := asffThreat{Name: t.Name, Severity: t.Severity, ItemCount: count32(t.ItemCount)}
			for _, p := range t.FilePaths {
				if len(th.FilePaths) == asffMaxThreatPaths {
					break
				}
				th.FilePaths = append(th.FilePaths, asffFilePath{FilePath: p.FilePath, FileName: p.FileName, Hash: p.Hash, ResourceID: p.VolumeArn})
			}
			out = append(out, th)
		}
	}
	if len(out) > asffMaxThreats {
		out = out[:asffMaxThreats]
	}
	return out
}

// count32 returns n as an int32 pointer, nil when n is not positive.
func count32(n int) *int32 {
	if n <= 0 {
		return nil
	}
	v := int32(min(n, math.MaxInt32))
	return &v
}
