package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Inventory says where Vigil learns which instance or Lambda function owns
// a network interface (for network findings' resources).
type Inventory struct {
	// Files are AWS CLI JSON outputs of "aws ec2 describe-network-interfaces"
	// and "aws ec2 describe-instances".
	Files []string `yaml:"files"`
	// EC2Regions, when set, are asked through the EC2 API
	// (DescribeNetworkInterfaces, DescribeInstances) with the s3 section's
	// credentials settings (profile or keys) or the SDK's default chain.
	EC2Regions []string `yaml:"ec2_regions"`
	// Endpoint replaces the EC2 endpoint (for EC2-compatible APIs).
	Endpoint string `yaml:"endpoint"`
	// Refresh is how often the inventory is read again (default 15m).
	Refresh time.Duration `yaml:"refresh"`
}

// DefaultInventoryRefresh is how often the inventory is refreshed.
const DefaultInventoryRefresh = 15 * time.Minute

func (c *Inventory) fill() {
	if c.Refresh == 0 {
		c.Refresh = DefaultInventoryRefresh
	}
}

func (c *Inventory) validate() error {
	var errs []error
	for i, f := range c.Files {
		if strings.TrimSpace(f) == "" {
			errs = append(errs, fmt.Errorf("inventory.files[%d]: empty", i))
		}
	}
	for i, r := range c.EC2Regions {
		if !regionRe.MatchString(r) {
			errs = append(errs, fmt.Errorf("inventory.ec2_regions[%d]: %q is not a region name", i, r))
		}
	}
	if c.Refresh < time.Second {
		errs = append(errs, fmt.Errorf("inventory.refresh: %v is below 1s", c.Refresh))
	}
	return errors.Join(errs...)
}
