package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/runbook"
)

func runDetectors(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "show" {
		return detectorsShow(args[1:])
	}
	if len(args) > 0 && args[0] == "list" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("detectors list", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the definitions as JSON")
	asMarkdown := fs.Bool("markdown", false, "print a Markdown table (the one in README.md)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	type row struct {
		detect.Definition
		Detector string
		Params   []detect.Param `json:",omitempty"`
	}
	var rows []row
	for _, d := range detect.Registered() {
		for _, def := range d.Types {
			rows = append(rows, row{def, d.Name, d.Params})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Severity != rows[j].Severity {
			return rows[i].Severity > rows[j].Severity
		}
		return rows[i].Type < rows[j].Type
	})
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if *asMarkdown {
		fmt.Println("| type | severity | data source | detector | parameters (defaults) |")
		fmt.Println("|---|---|---|---|---|")
		for _, r := range rows {
			params := paramList(r.Params)
			if params != "-" {
				params = "`" + params + "`"
			}
			fmt.Printf("| `%s` | %s (%g) | %s | `%s` | %s |\n", r.Type, finding.LevelOf(r.Severity), r.Severity, r.DataSource, r.Detector, params)
		}
		return nil
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tSEVERITY\tDATA SOURCE\tDETECTOR\tPARAMETERS\tLOGIC")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s %.0f\t%s\t%s\t%s\t%s\n", r.Type, finding.LevelOf(r.Severity), r.Severity, r.DataSource,
			r.Detector, paramList(r.Params), r.Logic)
	}
	return tw.Flush()
}

// paramList renders parameters as "name=default ..."; "-" for none.
func paramList(ps []detect.Param) string {
	if len(ps) == 0 {
		return "-"
	}
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.Name+"="+p.Default)
	}
	return strings.Join(parts, " ")
}

func detectorsShow(args []string) error {
	fs := flag.NewFlagSet("detectors show", flag.ContinueOnError)
	types, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(types) == 0 {
		return usagef("detectors show: give a finding type")
	}
	for _, t := range types {
		def, d, ok := detect.Lookup(detect.Registered(), t)
		if !ok {
			if err := showScanType(t); err != nil {
				return err
			}
			continue
		}
		fmt.Printf("Type:        %s\nSeverity:    %s (%.1f)\nTactic:      %s\nData source: %s\nDetector:    %s\nLogic:       %s\nAggregation: %s\nTitle:       %s\nDescription: %s\n",
			def.Type, finding.LevelOf(def.Severity), def.Severity, def.Tactic, def.DataSource, d.Name, def.Logic, def.Key, def.Title, def.Description)
		if len(def.Thresholds) > 0 {
			var keys []string
			for k := range def.Thresholds {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			fmt.Println("Thresholds:")
			for _, k := range keys {
				fmt.Printf("  %s = %s\n", k, def.Thresholds[k])
			}
		}
		if len(d.Params) > 0 {
			fmt.Printf("Parameters (override in vigil.yaml: detection.params.%s.NAME):\n", d.Name)
			for _, p := range d.Params {
				fmt.Printf("  %s = %s  (%s)\n", p.Name, p.Default, p.Doc)
			}
		}
		printRunbook(os.Stdout, t)
		fmt.Println(strings.Repeat("-", 40))
	}
	return nil
}

// scanTypes are the finding types malware scans make (internal/protect)
// rather than a detector, so that "detectors show" knows them too.
var scanTypes = []struct {
	Type, DataSource, MadeBy string
	Severity                 float64
}{
	{protect.FindingType, "Malware Protection for S3 (scans of new or on-demand S3 objects)",
		"vigil serve (malware_protection plans) and vigil scan s3://BUCKET/PREFIX", finding.SeverityHigh},
	{protect.TypeEC2MaliciousFile, "Malware Protection for EC2 (scans of an instance's volumes or folders)",
		"vigil scan --instance-id ID PATH...", finding.SeverityHigh},
}

// showScanType prints a finding type made by malware scans, or reports
// an unknown type.
func showScanType(t string) error {
	for _, st := range scanTypes {
		if st.Type == t {
			fmt.Printf("Type:        %s\nSeverity:    %s (%.1f)\nData source: %s\nMade by:     %s\n",
				st.Type, finding.LevelOf(st.Severity), st.Severity, st.DataSource, st.MadeBy)
			printRunbook(os.Stdout, t)
			fmt.Println(strings.Repeat("-", 40))
			return nil
		}
	}
	return fmt.Errorf("unknown finding type %q (see vigil detectors list)", t)
}

// printRunbook prints the runbook of a finding type: its meaning and
// numbered investigation and response steps.
func printRunbook(w io.Writer, findingType string) {
	rb, ok := runbook.For(findingType)
	if !ok {
		fmt.Fprintln(w, "Runbook:     none yet")
		return
	}
	fmt.Fprintf(w, "Runbook:\n  Meaning: %s\n", rb.Meaning)
	for _, part := range []struct {
		name  string
		steps []string
	}{{"Investigate", rb.Investigate}, {"Respond", rb.Respond}} {
		fmt.Fprintf(w, "  %s:\n", part.name)
		for i, s := range part.steps {
			fmt.Fprintf(w, "    %d. %s\n", i+1, s)
		}
	}
}
