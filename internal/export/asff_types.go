package export

import "strings"

// asffNamespaces maps a finding type's threat purpose to the ASFF
// "namespace/category" GuardDuty's Security Hub integration files it
// under.
var asffNamespaces = map[string]string{
	"AttackSequence":      "TTPs",
	"Backdoor":            "TTPs/Command and Control",
	"CredentialAccess":    "TTPs/Credential Access",
	"CryptoCurrency":      "TTPs/Command and Control",
	"Cryptocurrency":      "TTPs/Command and Control",
	"DefenseEvasion":      "TTPs/Defense Evasion",
	"DefenseImpairment":   "TTPs/Defense Evasion",
	"Discovery":           "TTPs/Discovery",
	"Execution":           "TTPs/Execution",
	"Exfiltration":        "Effects/Data Exfiltration",
	"Impact":              "TTPs/Impact",
	"InitialAccess":       "TTPs/Initial Access",
	"LateralMovement":     "TTPs/Lateral Movement",
	"Object":              "TTPs/Execution",
	"PenTest":             "TTPs/Discovery",
	"Persistence":         "TTPs/Persistence",
	"Policy":              "Software and Configuration Checks/AWS Security Best Practices",
	"PrivilegeEscalation": "TTPs/Privilege Escalation",
	"Recon":               "TTPs/Discovery",
	"ResourceConsumption": "Effects/Resource Consumption",
	"ResourceDevelopment": "TTPs",
	"Stealth":             "TTPs/Defense Evasion",
	"Trojan":              "TTPs/Command and Control",
	"UnauthorizedAccess":  "TTPs/Initial Access",
}

// asffExceptions are the types GuardDuty files elsewhere than their
// threat purpose says (its Security Hub integration's type table). A key
// ending in '*' matches by prefix.
var asffExceptions = map[string]string{
	"Trojan:EC2/DropPoint":                               "Effects/Data Exfiltration",
	"Trojan:EC2/DropPoint!DNS":                           "Effects/Data Exfiltration",
	"Trojan:Lambda/DropPoint":                            "Effects/Data Exfiltration",
	"Trojan:EC2/DriveBySourceTraffic!DNS":                "TTPs/Initial Access",
	"UnauthorizedAccess:EC2/TorClient":                   "Effects/Resource Consumption",
	"UnauthorizedAccess:EC2/TorRelay":                    "Effects/Resource Consumption",
	"UnauthorizedAccess:Lambda/TorClient":                "Effects/Resource Consumption",
	"UnauthorizedAccess:Lambda/TorRelay":                 "Effects/Resource Consumption",
	"UnauthorizedAccess:EC2/MaliciousIPCaller.Custom":    "TTPs/Command and Control",
	"UnauthorizedAccess:IAMUser/TorIPCaller":             "TTPs/Command and Control",
	"UnauthorizedAccess:IAMUser/InstanceCredentialExfi*": "Effects/Data Exfiltration",
	"UnauthorizedAccess:IAMUser/ConsoleLogin":            "Unusual Behaviors/User",
	"Policy:S3/BucketBlockPublicAccessDisabled":          "Effects/Data Exposure",
	"ResourceConsumption:IAMUser/ComputeResources":       "Unusual Behaviors/User",
}

// unusualCategories maps a type's resource part to the category of ASFF's
// Unusual Behaviors namespace.
var unusualCategories = map[string]string{
	"EC2":        "VM",
	"IAMUser":    "User",
	"S3":         "Data",
	"Kubernetes": "Container",
	"EKS":        "Container",
	"ECS":        "Container",
	"Container":  "Container",
	"Runtime":    "Container",
	"Lambda":     "Serverless",
	"RDS":        "Database",
}

// asffTypes returns the ASFF Types of a GuardDuty finding type: the type
// with '/' replaced by '-' under its namespace and category, plus an
// Unusual Behaviors type for anomaly-based types.
func asffTypes(typ string) []string {
	if typ == "" {
		return []string{"TTPs/Unknown"}
	}
	purpose, rest, _ := strings.Cut(typ, ":")
	resource, _, _ := strings.Cut(rest, "/")
	name := strings.ReplaceAll(typ, "/", "-")
	unusual := "Unusual Behaviors/" + unusualCategory(resource)

	ns := asffException(typ)
	if ns == "" {
		ns = asffNamespaces[purpose]
	}
	if ns == "" && purpose == "Behavior" {
		ns = unusual
	}
	if ns == "" {
		ns = "TTPs"
	}
	types := []string{ns + "/" + name}
	if !strings.HasPrefix(ns, "Unusual Behaviors/") &&
		(strings.Contains(rest, "AnomalousBehavior") || strings.HasSuffix(rest, ".Unusual")) {
		types = append(types, unusual+"/"+name)
	}
	return types
}

func asffException(typ string) string {
	if ns, ok := asffExceptions[typ]; ok {
		return ns
	}
	for k, ns := range asffExceptions {
		if p, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(typ, p) {
			return ns
		}
	}
	return ""
}

func unusualCategory(resource string) string {
	if c, ok := unusualCategories[resource]; ok {
		return c
	}
	return "Application"
}
