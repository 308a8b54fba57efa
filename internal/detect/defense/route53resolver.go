package defense

import (
	"github.com/vigil-sec/vigil/internal/detect"
	"github.com/vigil-sec/vigil/internal/event"
)

// TypeRoute53ResolverDisableOrModifyTools is the finding type of the
// Route 53 Resolver signals.
const TypeRoute53ResolverDisableOrModifyTools = "DefenseImpairment:Route53Resolver/DisableOrModifyTools"

func init() {
	register("defense.route53resolver_disable_or_modify_tools", detect.Definition{
		Type: TypeRoute53ResolverDisableOrModifyTools, Severity: 5, Tactic: tactic, DataSource: dataSource,
		Logic: "Signal DNSQueryLogsDeleted (Medium): successful route53resolver DeleteResolverQueryLogConfig or DisassociateResolverQueryLogConfig.",
		Key: "principal (accessKeyId, else principalId) + API name + query log config (AWS::Route53Resolver::ResolverQueryLoggingConfig) " +
			"and VPC (AWS::EC2::VPC)",
		Title:       "Route 53 Resolver query logging was deleted or detached.",
		Description: "An IAM entity deleted a Route 53 Resolver query logging configuration or detached it from a VPC, which hides the DNS queries made from the VPC.",
	}, []signal{{
		name: "DNSQueryLogsDeleted", severity: 5, source: "route53resolver.amazonaws.com",
		apis: []string{"DeleteResolverQueryLogConfig", "DisassociateResolverQueryLogConfig"},
		resources: func(ev *event.Event) (map[string]string, string) {
			return param(ev, "resolverQueryLogConfigId", "AWS::Route53Resolver::ResolverQueryLoggingConfig", "resourceId", "AWS::EC2::VPC")
		},
		title: func(res string) string {
			return named("Route 53 Resolver query logging configuration", res) + " was deleted or detached."
		},
		impact: "Without DNS query logs, lookups of malicious domains from the VPC go unrecorded.",
		sample: `{"resolverQueryLogConfigId":"rqlc-8ca61fe7c055415a"}`,
	}})
}
