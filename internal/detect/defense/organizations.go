package defense

import (
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
)

// TypeOrganizationsModifyCloudResourceHierarchy is the finding type of the
// Organizations signals.
const TypeOrganizationsModifyCloudResourceHierarchy = "DefenseImpairment:Organizations/ModifyCloudResourceHierarchy"

func init() {
	register("defense.organizations_modify_cloud_resource_hierarchy", detect.Definition{
		Type: TypeOrganizationsModifyCloudResourceHierarchy, Severity: 8, Tactic: tactic, DataSource: dataSource,
		Logic:       "Signal OrganizationLeaveAttempt (High): organizations LeaveOrganization, successful or failed (an attempt counts).",
		Key:         "principal (accessKeyId, else principalId) + API name + account (AWS::::Account)",
		Title:       "An account attempted to leave its AWS organization.",
		Description: "An IAM entity tried to take the account out of its AWS organization, escaping the organization's policies, logging and security tooling.",
	}, []signal{{
		name: "OrganizationLeaveAttempt", severity: 8, source: "organizations.amazonaws.com",
		apis: []string{"LeaveOrganization"}, anyOutcome: true,
		resources: func(ev *event.Event) (map[string]string, string) {
			return map[string]string{"AWS::::Account": ev.Account}, ev.Account
		},
		title:  func(res string) string { return named("Account", res) + " attempted to leave its AWS organization." },
		impact: "Leaving the organization removes its service control policies, organization trails and delegated security tooling from the account.",
	}})
}
