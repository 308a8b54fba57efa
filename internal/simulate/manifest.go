package simulate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Manifest describes what Run wrote. Run saves it as OUT/manifest.json.
type Manifest struct {
	// Events counts the records in all files, benign and injected
	// (including preparatory records that Attacks does not list).
	Events       int        `json:"events"`
	FlowRecords  int        `json:"flowRecords"` // VPC flow log records, benign and injected
	DNSRecords   int        `json:"dnsRecords"`  // Route 53 Resolver query log records, benign and injected
	Files        int        `json:"files"`
	Bytes        int64      `json:"bytes"` // size of the files as written
	Accounts     []string   `json:"accounts"`
	Regions      []string   `json:"regions"`
	Organization string     `json:"organization,omitempty"`
	Seed         uint64     `json:"seed"`
	Start        time.Time  `json:"start"`
	End          time.Time  `json:"end"`
	Attacks      []Injected `json:"attacks"` // one entry per injected record, in time order
}

// Injected is one attack record in the output.
type Injected struct {
	Type      string    `json:"type"` // the finding type it must trigger
	Account   string    `json:"account"`
	Region    string    `json:"region"`
	EventID   string    `json:"eventId"`
	EventName string    `json:"eventName"`
	At        time.Time `json:"at"`
}

// save writes the manifest to dir/manifest.json atomically: a reader sees
// the old file, no file, or the whole new one.
func (m *Manifest) save(dir string) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".manifest-*.json")
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, "manifest.json")); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}
