// Command scanprof profiles the scanner as "vigil scan --workers 1" runs
// it (which has no profiling flag): it loads a signature folder with
// signature.Load, makes a malware.Scanner with the folder's engines and
// calls ScanFile on every file of the corpus, one at a time, under the CPU
// profiler. It prints the load time, the scan time and MB/s per core.
//
//	go run ./bench/scanprof -d DBDIR [-cpuprofile FILE] [-loadprofile FILE] CORPUS
//	go tool pprof -top FILE
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/vigil-sec/vigil/internal/malware"
	"github.com/vigil-sec/vigil/internal/malware/signature"
)

func main() {
	db := flag.String("d", "", "signature folder")
	cpu := flag.String("cpuprofile", "", "write the CPU profile of the scan (not the load) here")
	loadProf := flag.String("loadprofile", "", "write the CPU profile of the load here")
	flag.Parse()
	if *db == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: scanprof -d DBDIR [-cpuprofile FILE] [-loadprofile FILE] CORPUS")
		os.Exit(2)
	}
	if err := run(*db, *cpu, *loadProf, flag.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, "scanprof:", err)
		os.Exit(1)
	}
}

func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func run(dbDir, cpuPath, loadPath, corpus string) error {
	stop, err := startProfile(loadPath)
	if err != nil {
		return err
	}
	start := time.Now()
	db, err := signature.Load(dbDir)
	if db == nil {
		stop()
		return err
	}
	load := time.Since(start)
	stop()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	info := db.Info()
	fmt.Printf("load: %d hash + %d body signatures in %.3f s (Info.LoadTime %.3f s), live heap %.1f MiB\n",
		info.HashSignatures, info.BodySignatures, load.Seconds(), info.LoadTime.Seconds(), float64(ms.HeapAlloc)/(1<<20))

	engines := db.Engines()
	sc, err := malware.NewScanner(malware.ScannerOptions{Engines: func() []malware.Engine { return engines }})
	if err != nil {
		return err
	}
	var files []string
	err = filepath.WalkDir(corpus, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	slices.Sort(files)
	if stop, err = startProfile(cpuPath); err != nil {
		return err
	}
	ctx := context.Background()
	var bytes int64
	threats := 0
	start = time.Now()
	for _, p := range files {
		res := sc.ScanFile(ctx, p)
		if res.Status == malware.Failed || res.Status == malware.Unsupported {
			fmt.Fprintf(os.Stderr, "%s: %s (%s)\n", p, res.Status, res.Reason)
		}
		bytes += res.Bytes
		threats += len(res.Threats)
	}
	took := time.Since(start)
	stop()
	fmt.Printf("scan: %d files, %.1f MB, %d threats in %.3f s: %.0f MB/s (one goroutine)\n",
		len(files), float64(bytes)/1e6, threats, took.Seconds(), float64(bytes)/1e6/took.Seconds())
	return nil
}
