package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/vigil-sec/vigil/internal/config"
	"github.com/vigil-sec/vigil/internal/inventory"
	"github.com/vigil-sec/vigil/internal/source"
)

// newInventory builds the network-interface inventory of the config's
// inventory section and reads it once; a source that cannot be read is
// logged and skipped.
func newInventory(ctx context.Context, cfg *config.Config, s3 source.S3Options, log *slog.Logger) (*inventory.Inventory, *inventory.Refresher, error) {
	inv := inventory.New()
	var sources []inventory.Source
	for _, f := range cfg.Inventory.Files {
		sources = append(sources, inventory.File{Path: f})
	}
	if len(cfg.Inventory.EC2Regions) > 0 {
		awsCfg, err := source.AWSConfig(ctx, s3)
		if err != nil {
			return nil, nil, err
		}
		for _, region := range cfg.Inventory.EC2Regions {
			client := ec2.NewFromConfig(awsCfg, func(o *ec2.Options) {
				o.Region = region
				if cfg.Inventory.Endpoint != "" {
					o.BaseEndpoint = aws.String(cfg.Inventory.Endpoint)
				}
			})
			sources = append(sources, inventory.EC2API{Client: client, Region: region})
		}
	}
	r := inventory.NewRefresher(inv, inventory.Options{Sources: sources, Every: cfg.Inventory.Refresh, Logger: log})
	if len(sources) > 0 {
		if err := r.Refresh(ctx); err != nil {
			log.Warn("inventory not fully read; network findings may lack instance details", "err", err)
		}
		log.Info("inventory loaded", "interfaces", inv.Len())
	}
	return inv, r, nil
}
