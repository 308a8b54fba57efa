// Package detect holds the detector definition, the registry of built-in
// detectors and the engine that runs them: dispatch by event kind, bounded
// per-key state owned by the engine, and isolation of a panicking detector.
//
// Detectors return findings; they never write to a store, call notifiers or
// mutate the events they are given. Built-in detectors live in the
// subpackages (iam/, s3/, ...) and register themselves in init.
package detect

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
	"github.com/vigil-sec/vigil/internal/intel"
)

// Definition declares one finding type a detector can produce.
type Definition struct {
	Type        string  // GuardDuty finding type, such as "Stealth:IAMUser/CloudTrailLoggingDisabled"
	Severity    float64 // default numeric severity
	Tactic      string  // MITRE ATT&CK tactic
	DataSource  string  // such as "CloudTrail management events"
	Logic       string  // the detection logic in one line
	Key         string  // what the aggregation key is made of
	Title       string  // a short generic title, used by samples and listings
	Description string  // a generic description
	// Thresholds documents each tunable with its default value.
	Thresholds map[string]string
}

// Func computes findings from one event. It must not modify ev. The
// returned findings need only Type, AggregationKey, Title, Description,
// Resource, Service.Action and Service.ResourceRole (plus Severity when
// it differs from the definition's); the engine fills in the rest.
type Func func(ctx *Context, ev *event.Event) []finding.Finding

// Detector is a named detection with the event kinds it consumes.
type Detector struct {
	Name  string       // unique, such as "iam.root_credential_usage"
	Kinds []event.Kind // event kinds it needs
	Types []Definition // finding types it may produce
	// Sample returns one sample finding of the given type for
	// "vigil findings sample"; nil uses a generic sample.
	Sample func(typ string) finding.Finding
	Detect Func
	// DecodeState turns one snapshotted state value back into the type the
	// detector stores; detectors that keep State set it so that state
	// survives a restart of "vigil serve".
	DecodeState func(raw json.RawMessage) (any, error)
	// Params are the detector's tunable thresholds and windows.
	Params []Param
}

// Context is what the engine gives a detector with each event.
type Context struct {
	// State is this detector's bounded per-key state.
	State *State
	// Intel is the threat intelligence current for this event; it may be
	// nil, and its methods are safe on nil.
	Intel *intel.Intel
	// Params are the detector's parameter values (defaults or overrides).
	Params ParamValues
	// Inventory maps network interfaces to instances and functions; never
	// nil (an empty inventory when none is configured).
	Inventory Inventory
	// Local is the detector's own working state (fast LRUs, windows),
	// created on first use; the engine never touches it.
	Local any
	// StateLimit is the configured bound on keys per detector, for the
	// LRUs a detector makes (see NewLRUFor).
	StateLimit int
}

// NewLRUFor returns an LRU bounded by ctx's state limit (times scale, at
// least 1) whose evictions count toward the detector's eviction metric.
func NewLRUFor[K comparable, V any](ctx *Context, scale int) *LRU[K, V] {
	if scale < 1 {
		scale = 1
	}
	var ev *atomic.Uint64
	if ctx.State != nil {
		ev = ctx.State.evicted
	}
	return NewLRU[K, V](ctx.StateLimit*scale, ev)
}

// noInventory is the inventory used when none is configured.
type noInventory struct{}

func (noInventory) Interface(string) (NetworkInterface, bool) { return NetworkInterface{}, false }

// Inventory resolves network interfaces to the resources that own them
// (from flow-log fields, Route 53 source ids, an inventory file or the
// EC2 API).
type Inventory interface {
	// Interface returns what is known of a network interface.
	Interface(eni string) (NetworkInterface, bool)
}

// NetworkInterface is an ENI and its owner.
type NetworkInterface struct {
	ID           string
	InstanceID   string
	FunctionName string // a Lambda function's ENI
	PrivateIPs   []string
	PublicIP     string
	IPv6         []string
	SubnetID     string
	VpcID        string
	Tags         map[string]string // the instance's tags
	InstanceType string
	ImageID      string
	AZ           string
}

var (
	regMu    sync.Mutex
	registry = map[string]*Detector{}
)

// Register adds a built-in detector. It panics on a duplicate name or
// finding type, which is a programming error.
func Register(d *Detector) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[d.Name]; dup {
		panic(fmt.Sprintf("detect: detector %q registered twice", d.Name))
	}
	for _, other := range registry {
		for _, a := range other.Types {
			for _, b := range d.Types {
				if a.Type == b.Type {
					panic(fmt.Sprintf("detect: finding type %q registered by %q and %q", a.Type, other.Name, d.Name))
				}
			}
		}
	}
	registry[d.Name] = d
}

// Registered returns every registered detector, sorted by name.
func Registered() []*Detector {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]*Detector, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Definitions returns every finding type the given detectors produce,
// sorted by type.
func Definitions(ds []*Detector) []Definition {
	var out []Definition
	for _, d := range ds {
		out = append(out, d.Types...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// Lookup returns the definition of a finding type among ds.
func Lookup(ds []*Detector, typ string) (Definition, *Detector, bool) {
	for _, d := range ds {
		for _, def := range d.Types {
			if def.Type == typ {
				return def, d, true
			}
		}
	}
	return Definition{}, nil, false
}
