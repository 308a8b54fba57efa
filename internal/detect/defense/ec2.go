package defense

import (
	"strings"

	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
)

// TypeEC2DisableOrModifyTools is the finding type of the EC2 signals.
const TypeEC2DisableOrModifyTools = "DefenseImpairment:EC2/DisableOrModifyTools"

func init() {
	register("defense.ec2_disable_or_modify_tools", detect.Definition{
		Type: TypeEC2DisableOrModifyTools, Severity: 8, Tactic: tactic, DataSource: dataSource,
		Logic:       "Signal VPCFlowLogsDeleted (High): successful ec2 DeleteFlowLogs.",
		Key:         "principal (accessKeyId, else principalId) + API name + flow log ids (AWS::EC2::FlowLog)",
		Title:       "VPC flow logs were deleted.",
		Description: "An IAM entity deleted VPC flow logs, which impairs network monitoring and can hide an attacker's network activity.",
	}, []signal{{
		name: "VPCFlowLogsDeleted", severity: 8, source: "ec2.amazonaws.com", apis: []string{"DeleteFlowLogs"},
		resources: flowLogs,
		title:     func(res string) string { return named("VPC flow logs", res) + " were deleted." },
		impact:    "Deleting flow logs impairs network monitoring and can hide an attacker's network activity.",
		sample:    `{"DeleteFlowLogsRequest":{"FlowLogId":{"tag":1,"content":"fl-0a1b2c3d4e5f67890"}}}`,
	}})
}

// flowLogs returns the ids of the deleted flow logs: CloudTrail writes
// {"DeleteFlowLogsRequest":{"FlowLogId":{"tag":1,"content":"fl-..."}}},
// with a list of such objects when several are deleted.
func flowLogs(ev *event.Event) (map[string]string, string) {
	type id struct {
		Content string `json:"content"`
	}
	var p struct {
		Request struct {
			FlowLogID detect.List[id] `json:"FlowLogId"`
		} `json:"DeleteFlowLogsRequest"`
		FlowLogIDs detect.Strings `json:"flowLogIds"`
	}
	detect.Params(ev, &p)
	ids := append([]string(nil), p.FlowLogIDs...)
	for _, x := range p.Request.FlowLogID {
		if x.Content != "" {
			ids = append(ids, x.Content)
		}
	}
	if len(ids) == 0 {
		return nil, ""
	}
	all := strings.Join(ids, ",")
	return map[string]string{"AWS::EC2::FlowLog": all}, all
}
