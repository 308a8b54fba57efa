package defense

import (
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
)

// TypeGuardDutyDisableOrModifyTools is the finding type of the GuardDuty signals.
const TypeGuardDutyDisableOrModifyTools = "DefenseImpairment:GuardDuty/DisableOrModifyTools"

func init() {
	register("defense.guardduty_disable_or_modify_tools", detect.Definition{
		Type: TypeGuardDutyDisableOrModifyTools, Severity: 8, Tactic: tactic, DataSource: dataSource,
		Logic: "Signal GuardDutyDetectorDisabled (High): successful DeleteDetector, or UpdateDetector with enable false; " +
			"signal GuardDutyThreatListsModified (Medium): successful Create/Update/Delete of an IPSet or ThreatIntelSet.",
		Key: "principal (accessKeyId, else principalId) + API name + detector (AWS::GuardDuty::Detector) " +
			"and IP set (AWS::GuardDuty::IPSet) or threat intel set (AWS::GuardDuty::ThreatIntelSet)",
		Title:       "GuardDuty was disabled or its lists were modified.",
		Description: "An IAM entity disabled a GuardDuty detector or changed its trusted IP or threat lists, which can stop or blind threat detection.",
	}, []signal{{
		name: "GuardDutyDetectorDisabled", severity: 8, source: "guardduty.amazonaws.com",
		apis:  []string{"DeleteDetector", "UpdateDetector"},
		match: disablesDetector,
		resources: func(ev *event.Event) (map[string]string, string) {
			return param(ev, "detectorId", "AWS::GuardDuty::Detector")
		},
		title:  func(res string) string { return named("GuardDuty detector", res) + " was disabled." },
		impact: "With the detector disabled or deleted, GuardDuty stops producing findings for the account and region.",
		sample: `{"detectorId":"12abc34d567e8fa901bc2d34e56789f0"}`,
	}, {
		name: "GuardDutyThreatListsModified", severity: 5, source: "guardduty.amazonaws.com",
		apis: []string{"CreateIPSet", "UpdateIPSet", "DeleteIPSet", "CreateThreatIntelSet", "UpdateThreatIntelSet", "DeleteThreatIntelSet"},
		resources: func(ev *event.Event) (map[string]string, string) {
			return param(ev, "ipSetId", "AWS::GuardDuty::IPSet", "threatIntelSetId", "AWS::GuardDuty::ThreatIntelSet",
				"detectorId", "AWS::GuardDuty::Detector")
		},
		title:  func(res string) string { return named("GuardDuty trusted IP or threat list", res) + " was modified." },
		impact: "A trusted IP list silences findings for the addresses it holds; removing threat lists blinds detection of known-bad addresses.",
		sample: `{"detectorId":"12abc34d567e8fa901bc2d34e56789f0","name":"office-egress","format":"TXT","location":"https://s3.amazonaws.com/sample-data-bucket/trusted.txt","activate":true}`,
	}})
}

// disablesDetector reports whether a call deletes a detector or sets its
// enable flag to false.
func disablesDetector(ev *event.Event) bool {
	if ev.API.Name == "DeleteDetector" {
		return true
	}
	var p struct {
		Enable *detect.Bool `json:"enable"`
	}
	return detect.Params(ev, &p) && p.Enable != nil && !bool(*p.Enable)
}
