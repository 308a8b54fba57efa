package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/detect"
)

func runConfig(_ context.Context, args []string) error {
	if len(args) == 0 || args[0] != "check" {
		return usagef("usage: vigil config check FILE")
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	show := fs.Bool("print", false, "print the effective configuration (secrets redacted)")
	files, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usagef("usage: vigil config check FILE")
	}
	cfg, err := config.Load(files[0])
	if err != nil {
		return err
	}
	if err := detect.CheckParams(detect.Registered(), cfg.Detection.Params); err != nil {
		return fmt.Errorf("%s: %w", files[0], err)
	}
	cfg.Notify.ApplyEnv(os.Getenv)
	if err := checkDestinations(cfg); err != nil {
		return fmt.Errorf("%s: %w", files[0], err)
	}
	if *show {
		return yaml.NewEncoder(os.Stdout).Encode(cfg)
	}
	fmt.Printf("%s: ok (%d sources, %d notification routes)\n", files[0], len(cfg.Sources), len(cfg.Notify.Routes))
	return nil
}
