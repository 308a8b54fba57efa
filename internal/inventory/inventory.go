// Package inventory tells detectors which instance or Lambda function owns
// a network interface, with the instance's tags, type and image, so that
// network findings name the resource as GuardDuty's do. It reads the JSON
// the AWS CLI prints for "aws ec2 describe-network-interfaces" and
// "aws ec2 describe-instances" from files, or asks the EC2 API
// (DescribeNetworkInterfaces, DescribeInstances) through the AWS SDK, and
// refreshes on a schedule.
//
// The inventory never detects and never writes anything.
package inventory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vigil-sec/vigil/internal/detect"
)

// Inventory maps ENI ids to their owners. It implements detect.Inventory
// and is safe for concurrent use; Refresh swaps in a new map atomically.
type Inventory struct {
	m atomic.Pointer[map[string]detect.NetworkInterface]
}

var _ detect.Inventory = (*Inventory)(nil)

// New returns an empty inventory.
func New() *Inventory {
	inv := &Inventory{}
	m := map[string]detect.NetworkInterface{}
	inv.m.Store(&m)
	return inv
}

// Interface implements detect.Inventory.
func (inv *Inventory) Interface(eni string) (detect.NetworkInterface, bool) {
	if inv == nil || eni == "" {
		return detect.NetworkInterface{}, false
	}
	ni, ok := (*inv.m.Load())[eni]
	return ni, ok
}

// Len returns the number of interfaces known.
func (inv *Inventory) Len() int { return len(*inv.m.Load()) }

// Set replaces the inventory's content. Entries with the same id (an
// interface listed by one file and its instance by another) are merged:
// later entries fill the fields earlier ones left empty and override
// the instance's type, image and tags.
func (inv *Inventory) Set(nis []detect.NetworkInterface) {
	m := make(map[string]detect.NetworkInterface, len(nis))
	for _, ni := range nis {
		if old, ok := m[ni.ID]; ok {
			ni = merge(old, ni)
		}
		m[ni.ID] = ni
	}
	inv.m.Store(&m)
}

func merge(a, b detect.NetworkInterface) detect.NetworkInterface {
	pick := func(x, y string) string {
		if y != "" {
			return y
		}
		return x
	}
	out := a
	out.InstanceID, out.FunctionName = pick(a.InstanceID, b.InstanceID), pick(a.FunctionName, b.FunctionName)
	out.PublicIP, out.SubnetID, out.VpcID, out.AZ = pick(a.PublicIP, b.PublicIP), pick(a.SubnetID, b.SubnetID), pick(a.VpcID, b.VpcID), pick(a.AZ, b.AZ)
	out.InstanceType, out.ImageID = pick(a.InstanceType, b.InstanceType), pick(a.ImageID, b.ImageID)
	if len(b.PrivateIPs) > len(a.PrivateIPs) {
		out.PrivateIPs = b.PrivateIPs
	}
	if len(b.IPv6) > 0 {
		out.IPv6 = b.IPv6
	}
	if len(b.Tags) > 0 {
		out.Tags = b.Tags
	}
	return out
}

// Source produces the interfaces of an estate.
type Source interface {
	Name() string
	Interfaces(ctx context.Context) ([]detect.NetworkInterface, error)
}

// Options configure a Refresher.
type Options struct {
	Sources []Source
	Every   time.Duration // default 15m
	Logger  *slog.Logger
}

// Refresher keeps an Inventory filled from its sources.
type Refresher struct {
	inv  *Inventory
	opts Options
	log  *slog.Logger
}

// NewRefresher returns a refresher filling inv.
func NewRefresher(inv *Inventory, opts Options) *Refresher {
	if opts.Every <= 0 {
		opts.Every = 15 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Refresher{inv: inv, opts: opts, log: opts.Logger.With("component", "inventory")}
}

// Refresh reads every source once. When a source fails its interfaces
// from the previous refresh are kept (the inventory is merged, not
// emptied); the error names the source.
func (r *Refresher) Refresh(ctx context.Context) error {
	var all []detect.NetworkInterface
	var errs []error
	for _, s := range r.opts.Sources {
		nis, err := s.Interfaces(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("inventory %s: %w", s.Name(), err))
			continue
		}
		all = append(all, nis...)
	}
	if len(errs) > 0 {
		old := *r.inv.m.Load()
		seen := map[string]bool{}
		for _, ni := range all {
			seen[ni.ID] = true
		}
		for id, ni := range old {
			if !seen[id] {
				all = append(all, ni)
			}
		}
	}
	r.inv.Set(all)
	return errors.Join(errs...)
}

// Run refreshes until ctx is done; failures are logged.
func (r *Refresher) Run(ctx context.Context) error {
	t := time.NewTicker(r.opts.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := r.Refresh(ctx); err != nil {
				r.log.Warn("inventory refresh failed; the previous entries are kept", "err", err)
			}
		}
	}
}

// File is a Source reading AWS CLI JSON output: describe-network-interfaces
// ({"NetworkInterfaces": [...]}) and/or describe-instances
// ({"Reservations": [...]}); instance data is joined to their interfaces.
type File struct{ Path string }

// Name implements Source.
func (f File) Name() string { return f.Path }

// Interfaces implements Source.
func (f File) Interfaces(context.Context) ([]detect.NetworkInterface, error) {
	b, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, err
	}
	var doc cliDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: not AWS CLI describe-network-interfaces or describe-instances JSON: %w", f.Path, err)
	}
	if doc.NetworkInterfaces == nil && doc.Reservations == nil {
		return nil, fmt.Errorf("%s: no NetworkInterfaces or Reservations: not AWS CLI describe-network-interfaces or describe-instances output", f.Path)
	}
	return doc.interfaces(), nil
}

// cliDoc is the part of the AWS CLI's (and the EC2 API's) JSON Vigil uses.
type cliDoc struct {
	NetworkInterfaces []cliENI `json:"NetworkInterfaces"`
	Reservations      []struct {
		Instances []cliInstance `json:"Instances"`
	} `json:"Reservations"`
}

type cliENI struct {
	NetworkInterfaceID string          `json:"NetworkInterfaceId"`
	Description        string          `json:"Description"`
	InterfaceType      string          `json:"InterfaceType"`
	SubnetID           string          `json:"SubnetId"`
	VpcID              string          `json:"VpcId"`
	AvailabilityZone   string          `json:"AvailabilityZone"`
	PrivateIPAddress   string          `json:"PrivateIpAddress"`
	Attachment         *cliAttachment  `json:"Attachment"`
	Association        *cliAssociation `json:"Association"`
	PrivateIPAddresses []cliPrivateIP  `json:"PrivateIpAddresses"`
	Ipv6Addresses      []cliIPv6       `json:"Ipv6Addresses"`
	TagSet             []cliTag        `json:"TagSet"`
}

type cliAttachment struct {
	InstanceID string `json:"InstanceId"`
}

type cliAssociation struct {
	PublicIP string `json:"PublicIp"`
}

type cliPrivateIP struct {
	PrivateIPAddress string `json:"PrivateIpAddress"`
}

type cliIPv6 struct {
	Ipv6Address string `json:"Ipv6Address"`
}

type cliInstance struct {
	InstanceID        string                            `json:"InstanceId"`
	InstanceType      string                            `json:"InstanceType"`
	ImageID           string                            `json:"ImageId"`
	Placement         struct{ AvailabilityZone string } `json:"Placement"`
	Tags              []cliTag                          `json:"Tags"`
	NetworkInterfaces []cliENI                          `json:"NetworkInterfaces"`
}

type cliTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// lambdaPrefix starts the description of a Lambda function's ENI.
const lambdaPrefix = "AWS Lambda VPC ENI-"

func (d *cliDoc) interfaces() []detect.NetworkInterface {
	byID := map[string]*detect.NetworkInterface{}
	var order []string
	add := func(e cliENI) *detect.NetworkInterface {
		ni, ok := byID[e.NetworkInterfaceID]
		if !ok {
			ni = &detect.NetworkInterface{ID: e.NetworkInterfaceID}
			byID[e.NetworkInterfaceID] = ni
			order = append(order, e.NetworkInterfaceID)
		}
		fillENI(ni, e)
		return ni
	}
	for _, e := range d.NetworkInterfaces {
		if e.NetworkInterfaceID != "" {
			add(e)
		}
	}
	for _, r := range d.Reservations {
		for _, in := range r.Instances {
			for _, e := range in.NetworkInterfaces {
				if e.NetworkInterfaceID == "" {
					continue
				}
				ni := add(e)
				ni.InstanceID = in.InstanceID
				ni.InstanceType, ni.ImageID = in.InstanceType, in.ImageID
				if ni.AZ == "" {
					ni.AZ = in.Placement.AvailabilityZone
				}
				if len(in.Tags) > 0 {
					ni.Tags = tagMap(in.Tags)
				}
			}
		}
	}
	out := make([]detect.NetworkInterface, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out
}

func fillENI(ni *detect.NetworkInterface, e cliENI) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&ni.SubnetID, e.SubnetID)
	set(&ni.VpcID, e.VpcID)
	set(&ni.AZ, e.AvailabilityZone)
	if e.Attachment != nil {
		set(&ni.InstanceID, e.Attachment.InstanceID)
	}
	if e.Association != nil {
		set(&ni.PublicIP, e.Association.PublicIP)
	}
	if len(ni.PrivateIPs) == 0 {
		for _, p := range e.PrivateIPAddresses {
			ni.PrivateIPs = append(ni.PrivateIPs, p.PrivateIPAddress)
		}
		if len(ni.PrivateIPs) == 0 && e.PrivateIPAddress != "" {
			ni.PrivateIPs = []string{e.PrivateIPAddress}
		}
	}
	if len(ni.IPv6) == 0 {
		for _, a := range e.Ipv6Addresses {
			ni.IPv6 = append(ni.IPv6, a.Ipv6Address)
		}
	}
	if fn, ok := strings.CutPrefix(e.Description, lambdaPrefix); ok || e.InterfaceType == "lambda" {
		ni.FunctionName = lambdaFunction(fn)
	}
	if len(e.TagSet) > 0 && ni.Tags == nil {
		ni.Tags = tagMap(e.TagSet)
	}
}

// lambdaFunction takes the function name from the part of a Lambda ENI's
// description after "AWS Lambda VPC ENI-", which may end in a UUID.
func lambdaFunction(s string) string {
	// A trailing 8-4-4-4-12 UUID is dropped.
	if len(s) > 37 && s[len(s)-37] == '-' && strings.Count(s[len(s)-36:], "-") == 4 {
		return s[:len(s)-37]
	}
	return s
}

func tagMap(ts []cliTag) map[string]string {
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[t.Key] = t.Value
	}
	return m
}
