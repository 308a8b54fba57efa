package protect

import (
	"cmp"
	"path"
	"sort"
	"strconv"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/malware"
)

// TypeEC2MaliciousFile is the finding type of a folder or volume scan that
// found malware (Malware Protection for EC2).
const TypeEC2MaliciousFile = "Execution:EC2/MaliciousFile"

// maxThreatNames is how many threat names a volume finding details, as
// GuardDuty's "top 32 threats".
const maxThreatNames = 32

// FileResult is the scan of one file of a folder or volume.
type FileResult struct {
	Path   string
	Result malware.Result
}

// VolumeScan describes a scan of folders or a mounted volume.
type VolumeScan struct {
	ScanID     string
	InstanceID string // the EC2 instance the folders belong to
	AccountID  string
	Region     string
	Sources    []string // the scanned roots
	Started    time.Time
	Completed  time.Time
	Files      int   // files scanned
	Bytes      int64 // bytes scanned
}

// VolumeFinding returns the one Execution:EC2/MaliciousFile finding of a
// scan, with the infected files' paths and hashes grouped by threat name.
// Like GuardDuty it is one finding per scan: the aggregation key is the
// scan id, so a rescan makes a new finding.
func VolumeFinding(s VolumeScan, infected []FileResult, detectorID string) finding.Finding {
	byName := map[string][]finding.ScanFilePath{}
	files := 0
	for _, fr := range infected {
		if fr.Result.Status != malware.ThreatsFound {
			continue
		}
		files++
		for _, t := range fr.Result.Threats {
			p := fr.Path
			if t.Path != "" && t.Path != fr.Path {
				p = t.Path
			}
			byName[t.Name] = append(byName[t.Name], finding.ScanFilePath{FilePath: p, FileName: path.Base(fr.Path), Hash: cmp.Or(t.SHA256, fr.Result.SHA256)})
		}
	}
	names := volumeThreatNames(byName)
	f := finding.Finding{
		Type: TypeEC2MaliciousFile, Severity: finding.SeverityHigh, AccountID: s.AccountID, Region: s.Region,
		AggregationKey: s.ScanID,
		Title:          "Malicious file detected on EC2 instance " + s.InstanceID + ".",
		Description: "A malware scan of EC2 instance " + s.InstanceID + " found " + strconv.Itoa(files) +
			" malicious file(s). The instance may be compromised.",
		Resource: finding.Resource{ResourceType: finding.ResourceInstance,
			InstanceDetails: &finding.InstanceDetails{InstanceID: s.InstanceID}},
	}
	started, completed := finding.EpochTime{Time: finding.At(s.Started).Time}, finding.EpochTime{Time: finding.At(s.Completed).Time}
	f.Service.EbsVolumeScanDetails = &finding.EbsVolumeScanDetails{
		ScanID: s.ScanID, ScanStartedAt: &started, ScanCompletedAt: &completed, Sources: s.Sources, ScanType: "ON_DEMAND",
		ScanDetections: &finding.ScanDetections{
			ScannedItemCount:         &finding.ScannedItemCount{TotalGb: int(s.Bytes >> 30), Files: s.Files, Volumes: len(s.Sources)},
			ThreatsDetectedItemCount: &finding.ThreatsDetectedItemCount{Files: files},
			ThreatDetectedByName: &finding.ThreatDetectedByName{ItemCount: files, UniqueThreatNameCount: len(byName),
				Shortened: len(byName) > maxThreatNames, ThreatNames: names},
		},
	}
	if len(names) > 0 {
		f.Service.EbsVolumeScanDetails.ScanDetections.HighestSeverityThreatDetails = &finding.HighestSeverityThreatDetails{
			Severity: "HIGH", ThreatName: names[0].Name, Count: names[0].ItemCount}
	}
	f.Service.FeatureName = "EbsMalwareProtection"
	detect.Finish(&f, detectorID, "aws", s.Completed, s.Completed)
	return f
}

// volumeThreatNames orders threats by how many files they hit, then by name,
// and keeps the top maxThreatNames.
func volumeThreatNames(byName map[string][]finding.ScanFilePath) []finding.ScanThreatName {
	out := make([]finding.ScanThreatName, 0, len(byName))
	for name, paths := range byName {
		out = append(out, finding.ScanThreatName{Name: name, Severity: "HIGH", ItemCount: len(paths), FilePaths: paths})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ItemCount != out[j].ItemCount {
			return out[i].ItemCount > out[j].ItemCount
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > maxThreatNames {
		out = out[:maxThreatNames]
	}
	return out
}
