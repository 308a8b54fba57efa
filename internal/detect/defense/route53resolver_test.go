package defense

import (
	"slices"
	"testing"
)

func TestRoute53ResolverDisableOrModifyTools(t *testing.T) {
	want := []string{TypeRoute53ResolverDisableOrModifyTools + " 5"}
	tests := []struct {
		name    string
		patches []string
		want    []string
	}{
		{"delete query log config", []string{`{"eventSource": "route53resolver.amazonaws.com", "eventName": "DeleteResolverQueryLogConfig", "readOnly": false,
		  "requestParameters": {"resolverQueryLogConfigId": "rqlc-8ca61fe7c055415a"}}`}, want},
		{"disassociate from VPC", []string{`{"eventSource": "route53resolver.amazonaws.com", "eventName": "DisassociateResolverQueryLogConfig", "readOnly": false,
		  "requestParameters": {"resolverQueryLogConfigId": "rqlc-8ca61fe7c055415a", "resourceId": "vpc-0a1b2c3d4e5f67890"}}`}, want},
		{"failed delete", []string{`{"eventSource": "route53resolver.amazonaws.com", "eventName": "DeleteResolverQueryLogConfig", "readOnly": false,
		  "errorCode": "AccessDeniedException", "requestParameters": {"resolverQueryLogConfigId": "rqlc-8ca61fe7c055415a"}}`}, nil},
		{"list configs", []string{`{"eventSource": "route53resolver.amazonaws.com", "eventName": "ListResolverQueryLogConfigs", "requestParameters": {"maxResults": 10}}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if g := got(run(t, record(t, tt.patches...))); !slices.Equal(g, tt.want) {
				t.Errorf("findings = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestDNSQueryLogsDeletedDetails(t *testing.T) {
	fs := run(t, record(t, `{"eventSource": "route53resolver.amazonaws.com", "eventName": "DisassociateResolverQueryLogConfig", "readOnly": false,
	  "requestParameters": {"resolverQueryLogConfigId": "rqlc-8ca61fe7c055415a", "resourceId": "vpc-0a1b2c3d4e5f67890"}}`))
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	res := fs[0].Service.Action.AwsAPICallAction.AffectedResources
	if res["AWS::Route53Resolver::ResolverQueryLoggingConfig"] != "rqlc-8ca61fe7c055415a" || res["AWS::EC2::VPC"] != "vpc-0a1b2c3d4e5f67890" {
		t.Errorf("affectedResources = %v", res)
	}
	if want := `{"signal":"DNSQueryLogsDeleted"}`; fs[0].Service.AdditionalInfo.Value != want {
		t.Errorf("additionalInfo = %s, want %s", fs[0].Service.AdditionalInfo.Value, want)
	}
}
