// Package iam holds the built-in detectors for IAM-entity findings from
// CloudTrail: root credential usage, CloudTrail logging disabled, password
// policy weakened and API calls from penetration-testing distributions.
// Each detector registers itself in init; import the package (or
// internal/detect/all) for its side effects.
//
// Detectors here look at one event (and, for the password policy, the last
// policy seen per account in the engine-owned state); they never perform
// I/O or mutate the event.
package iam

import "github.com/vigil-sec/vigil/internal/event"

// apiCalls is the event kind every detector in this package consumes.
var apiCalls = []event.Kind{event.KindAPICall}

// dataSource is where the management-event detectors read from.
const dataSource = "CloudTrail management events"
