// Command vigil is a self-hosted threat-detection service: it reads the
// logs an AWS estate produces and makes GuardDuty-format findings.
//
// main only maps errors to exit codes; each subcommand lives in its own
// file and builds what it needs from flags and vigil.yaml.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // failure, or input that could not be fully read
	exitUsage = 2 // bad command line
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	os.Exit(exitCode(err))
}

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ue usageError
	var se statusError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "vigil: %v\n", err)
		return exitUsage
	case errors.As(err, &se):
		if se.msg != "" {
			fmt.Fprintf(os.Stderr, "vigil: %s\n", se.msg)
		}
		return se.code
	}
	fmt.Fprintf(os.Stderr, "vigil: %v\n", err)
	return exitError
}

// usageError is a bad command line.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// statusError ends the program with a given status and an optional message.
type statusError struct {
	code int
	msg  string
}

func (e statusError) Error() string { return e.msg }

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"analyze", "analyze log files or s3:// prefixes once and print findings", runAnalyze},
		{"serve", "watch sources, store findings, send notifications; serve the API, console and /metrics", runServe},
		{"scan", "scan files, folders and s3:// objects for malware", runScan},
		{"scans", "list malware scan records", runScans},
		{"findings", "list, show, archive, sample and export stored findings", runFindings},
		{"detectors", "list the finding types Vigil produces", runDetectors},
		{"intel", "check addresses and domains against threat lists; show list state", runIntel},
		{"simulate", "write simulated CloudTrail logs with injected attacks", runSimulate},
		{"cost", "estimate what GuardDuty would charge: from quantities, buckets or recorded usage", runCost},
		{"config", "check a vigil.yaml", runConfig},
		{"version", "print the version", runVersion},
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage()
		if len(args) == 0 {
			return usageError{errors.New("no command given")}
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:])
		}
	}
	printUsage()
	return usagef("unknown command %q", args[0])
}

func printUsage() {
	fmt.Fprintln(os.Stderr, "Usage: vigil COMMAND [options] [args]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'vigil COMMAND -h' for a command's options.")
}
