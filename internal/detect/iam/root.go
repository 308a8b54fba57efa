package iam

import (
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
	"github.com/vigil-sec/vigil/internal/finding"
)

// Finding types of the root credential usage detector.
const (
	TypeRootCredentialUsage          = "Policy:IAMUser/RootCredentialUsage"
	TypeShortTermRootCredentialUsage = "Policy:IAMUser/ShortTermRootCredentialUsage"
)

func init() {
	detect.Register(&detect.Detector{
		Name:  "iam.root_credential_usage",
		Kinds: apiCalls,
		Types: []detect.Definition{{
			Type:        TypeRootCredentialUsage,
			Severity:    finding.SeverityLow,
			Tactic:      "Privilege Escalation",
			DataSource:  "CloudTrail management events or CloudTrail data events",
			Logic:       "Any API call (successful or not, console sign-in included) made with the account's long-term root credentials, unless an AWS service made it on root's behalf (invokedBy or an AwsServiceEvent).",
			Key:         "principal (accessKeyId, else principalId) + API name",
			Title:       "An API was invoked using root credentials.",
			Description: "An API was invoked using root user sign-in credentials. Root credentials should never be used to access AWS services; use least-privilege temporary credentials instead.",
		}, {
			Type:        TypeShortTermRootCredentialUsage,
			Severity:    finding.SeverityLow,
			Tactic:      "Privilege Escalation",
			DataSource:  "CloudTrail management events or CloudTrail data events",
			Logic:       "Any successful API call made with short-term, task-scoped root credentials obtained through sts:AssumeRoot (userIdentity.assumedRoot true).",
			Key:         "principal (accessKeyId, else principalId) + API name",
			Title:       "An API was invoked using short-term root credentials.",
			Description: "An API was invoked using short-term root user credentials obtained with sts:AssumeRoot.",
		}},
		Sample: sampleRoot,
		Detect: detectRoot,
	})
}

func detectRoot(_ *detect.Context, ev *event.Event) []finding.Finding {
	if ev.API == nil || ev.Actor.Type != "Root" {
		return nil
	}
	typ := TypeRootCredentialUsage
	switch {
	case ev.Actor.AssumedRoot && ev.API.Failed():
		return nil // unlike long-term root credentials, only successful calls count
	case ev.Actor.AssumedRoot:
		typ = TypeShortTermRootCredentialUsage
	case ev.Actor.InvokedBy != "", ev.API.EventType == "AwsServiceEvent":
		return nil // AWS acting for the account, not someone holding root credentials
	}
	return []finding.Finding{rootFinding(typ, ev)}
}

func rootFinding(typ string, ev *event.Event) finding.Finding {
	f := detect.APICallFinding(typ, ev, nil)
	creds := detect.Caller(ev.Actor)
	f.Title = "API " + ev.API.Name + " was invoked using " + creds + "."
	f.Description = "API " + ev.API.Name + " was invoked using " + creds + detect.From(ev) + "."
	if ev.API.Failed() {
		f.Description += " The call failed with " + ev.API.ErrorCode + "."
	}
	return f
}

func sampleRoot(typ string) finding.Finding {
	ev := detect.SampleEvent("s3.amazonaws.com", "ListBuckets", "")
	ev.Actor = &event.Actor{
		Type:        "Root",
		PrincipalID: detect.SampleAccount,
		ARN:         "arn:aws:iam::" + detect.SampleAccount + ":root",
		AccountID:   detect.SampleAccount,
		AccessKeyID: detect.SampleAccessKey,
		AssumedRoot: typ == TypeShortTermRootCredentialUsage,
	}
	if ev.Actor.AssumedRoot {
		ev.Actor.AccessKeyID = "ASIAIOSFODNN7EXAMPLE"
	}
	return rootFinding(typ, ev)
}
