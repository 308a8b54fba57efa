package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/store"
)

// runScans lists the scan records of Malware Protection for S3.
func runScans(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "list" {
		return usagef("usage: vigil scans list [--bucket B] [--status STATUS] [--limit N] [--json]")
	}
	fs := flag.NewFlagSet("scans list", flag.ContinueOnError)
	dataDir := fs.String("data-dir", config.DefaultDataDir, "the data dir of vigil serve")
	bucket := fs.String("bucket", "", "only this bucket")
	status := fs.String("status", "", "only this result: NO_THREATS_FOUND, THREATS_FOUND, UNSUPPORTED, ACCESS_DENIED, FAILED")
	limit := fs.Int("limit", 100, "at most this many records, newest first")
	asJSON := fs.Bool("json", false, "one scan record JSON per line")
	if _, err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, err := openStore(ctx, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	q := store.ScanQuery{Bucket: *bucket, Status: strings.ToUpper(*status), Limit: min(*limit, 1000)}
	var recs []store.ScanRecord
	for len(recs) < *limit {
		page, next, err := db.ListScans(ctx, q)
		if err != nil {
			return err
		}
		recs = append(recs, page...)
		if next == "" {
			break
		}
		q.PageToken = next
	}
	recs = recs[:min(len(recs), *limit)]
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		for _, r := range recs {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPLETED\tRESULT\tSCAN STATUS\tOBJECT\tSIZE\tTAGGED\tTHREATS")
	for _, r := range recs {
		var names []string
		for _, t := range r.Threats {
			names = append(names, t.Name)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\ts3://%s/%s\t%d\t%v\t%s\n", r.CompletedAt.UTC().Format("2006-01-02T15:04:05Z"),
			r.Status, r.ScanStatus, r.Bucket, r.Key, r.Size, r.Tagged, strings.Join(names, ", "))
	}
	return tw.Flush()
}
