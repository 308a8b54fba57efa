package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/vigil-sec/vigil/internal/api"
	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/cost"
	"github.com/vigil-sec/vigil/internal/pipeline"
	"github.com/vigil-sec/vigil/internal/protect"
	"github.com/vigil-sec/vigil/internal/store"
	"github.com/vigil-sec/vigil/internal/web"
)

// Usage accounting as the subcommands wire it: "vigil serve" records the
// usage of every file it reads and every object it scans in its store and
// prices it for GetUsageStatistics and the console; "vigil analyze
// --usage" prints it; "vigil scan --instance-id" records the bytes of a
// volume scan.

// usagePricing prices recorded usage for GetUsageStatistics and the
// console's usage page: the built-in price table with vigil.yaml's
// cost.prices, and cost.monitored's vCPUs and ACUs (in the API's account).
func usagePricing(cfg *config.Config) (*api.UsagePricing, error) {
	prices, err := cost.DefaultPrices().WithOverrides(cfg.Cost)
	if err != nil {
		return nil, err
	}
	return &api.UsagePricing{Prices: prices, Monitored: cfg.Cost.Monitored}, nil
}

// selfResources reports the process's CPU time since start and the size
// of the SQLite store (the database file and its write-ahead log) in
// dataDir, for the console's usage page.
func selfResources(dataDir string, start time.Time) func() web.Resources {
	return func() web.Resources {
		var stored int64
		for _, name := range []string{"vigil.db", "vigil.db-wal"} {
			if st, err := os.Stat(filepath.Join(dataDir, name)); err == nil {
				stored += st.Size()
			}
		}
		return web.Resources{CPU: cpuTime(), Since: start, StoredBytes: stored}
	}
}

// usageStore is u as a store.UsageStore, nil (not a typed nil) when u is.
func usageStore(u *pipeline.UsageTotals) store.UsageStore {
	if u == nil {
		return nil
	}
	return u
}

// printUsageTable prints "vigil analyze --usage": one line per day, account,
// region and dimension, amounts in the dimension's unit.
func printUsageTable(w io.Writer, recs []store.UsageRecord) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DAY\tACCOUNT\tREGION\tDIMENSION\tAMOUNT\tUNIT")
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Day.Format(time.DateOnly), r.Account, cmpOr(r.Region, "-"), r.Dimension,
			strconv.FormatFloat(r.Amount, 'f', -1, 64), cost.Dimension(r.Dimension).Unit())
	}
	return tw.Flush()
}

// recordVolumeUsage records the bytes of a volume scan (Malware
// Protection for EC2) in the data dir's store.
func (r *scanRun) recordVolumeUsage(ctx context.Context) error {
	db, err := openStore(ctx, r.f.dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.AddUsage(ctx, []store.UsageRecord{protect.VolumeUsage(protect.VolumeScan{
		AccountID: r.f.account, Region: r.f.region, Completed: time.Now(), Bytes: r.bytes})})
}
