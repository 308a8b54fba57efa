package runbook

// Runbooks for EC2 findings made from Route 53 Resolver query logs.

// investigateDNSTI is the investigation of a query for a listed domain.
var investigateDNSTI = []string{stepDNSFields, stepWhichList, stepDescribeInstance, stepDNSProcess}

// respondDNSInfected is the response to an instance whose queries show
// malware on it.
var respondDNSInfected = []string{stepIsolate, stepSnapshot, stepRebuild, stepDNSFirewall}

func init() {
	add(
		Runbook{
			Type: "Backdoor:EC2/C&CActivity.B!DNS",
			Meaning: "The instance looked up a domain on a command-and-control list. Malware on it is probably trying to reach its " +
				"operator; a lookup of GuardDuty's test domain guarddutyc2activityb.com is only a detection test.",
			Investigate: investigateDNSTI,
			Respond:     respondDNSInfected,
		},
		Runbook{
			Type: "CryptoCurrency:EC2/BitcoinTool.B!DNS",
			Meaning: "The instance looked up a domain of a cryptocurrency mining pool. Unless you mine on purpose, a miner is " +
				"running on it, usually planted after a compromise.",
			Investigate: steps(investigateDNSTI, []string{"Check CPU use (CloudWatch CPUUtilization, `top`) and look for miners such as xmrig and what starts them."}),
			Respond:     steps(respondDNSInfected[:3], []string{stepDNSSuppress}),
		},
		Runbook{
			Type: "Impact:EC2/BitcoinDomainRequest.Reputation",
			Meaning: "The instance looked up a domain with a reputation for cryptocurrency activity (mining pools, wallets, " +
				"exchanges). On a server that has no business with cryptocurrency it often means a planted miner.",
			Investigate: steps(investigateDNSTI, []string{"Check CPU use (CloudWatch CPUUtilization, `top`) for a miner."}),
			Respond:     steps(respondDNSInfected[:3], []string{stepDNSSuppress}),
		},
		Runbook{
			Type: "Impact:EC2/AbusedDomainRequest.Reputation",
			Meaning: "The instance looked up a domain on a list of domains that are often abused: free hosting, dynamic DNS or " +
				"link shorteners that host malware and phishing. Less certain than a malicious-domain match, but worth a look.",
			Investigate: steps(investigateDNSTI, []string{"Check what the domain served: proxy or web logs, and files the process downloaded."}),
			Respond: []string{
				stepDNSFirewall,
				"If the process or a download is malicious, isolate, snapshot and rebuild the instance.",
				stepDNSSuppress,
			},
		},
		Runbook{
			Type: "Impact:EC2/MaliciousDomainRequest.Reputation",
			Meaning: "The instance looked up a domain with a malicious reputation (malware hosting, command servers, exploit kits). " +
				"The instance may be infected or be fetching a malicious payload.",
			Investigate: investigateDNSTI,
			Respond:     respondDNSInfected,
		},
		Runbook{
			Type: "Impact:EC2/MaliciousDomainRequest.Custom",
			Meaning: "The instance looked up a domain on one of your own threat lists. Something on it is contacting a domain you " +
				"chose to watch.",
			Investigate: []string{stepCustomList, stepDNSFields, stepDescribeInstance, stepDNSProcess},
			Respond:     []string{stepDNSFirewall, "If the process is malicious, isolate, snapshot and rebuild the instance.", stepDNSSuppress},
		},
		Runbook{
			Type: "Impact:EC2/SuspiciousDomainRequest.Reputation",
			Meaning: "The instance looked up a domain with a poor but not conclusive reputation (for example newly registered or " +
				"rarely seen). Often benign; it is worth a look when it appears with other findings for the instance.",
			Investigate: []string{stepDNSFields, stepWhichList, "List the instance's other findings (`vigil findings list` or the console, filtered on the instance id).", stepDNSProcess},
			Respond:     []string{stepDNSFirewall, "If other findings confirm a compromise, isolate, snapshot and rebuild the instance.", stepDNSSuppress},
		},
		Runbook{
			Type: "Trojan:EC2/BlackholeTraffic!DNS",
			Meaning: "The instance looked up a domain on a blackhole list, one that is sinkholed or points nowhere, often the old " +
				"command domain of a disrupted botnet. Malware on the instance is probably still trying to reach it.",
			Investigate: investigateDNSTI,
			Respond:     respondDNSInfected,
		},
		Runbook{
			Type: "Trojan:EC2/DGADomainRequest.C!DNS",
			Meaning: "The instance looked up a domain on a list of names made by a known domain generation algorithm (DGA). Malware " +
				"families use DGAs to find their command server; a listed DGA name is strong evidence of infection.",
			Investigate: investigateDNSTI,
			Respond:     respondDNSInfected,
		},
		Runbook{
			Type: "Trojan:EC2/DGADomainRequest.B",
			Meaning: "The instance looked up many random-looking domain names, most of which do not exist (NXDOMAIN). Malware that " +
				"generates domain names this way is searching for its command server; a few security and CDN products also use " +
				"random-looking names.",
			Investigate: []string{
				"Read service.additionalInfo: sampleNames, distinctNames, nxdomainNames and score.",
				stepDNSFields, stepDescribeInstance, stepDNSProcess,
			},
			Respond: []string{
				stepIsolate, stepSnapshot, stepRebuild,
				"If a known product makes the names, add a suppression rule on the type and resource.instanceDetails.instanceId.",
			},
		},
		Runbook{
			Type: "Trojan:EC2/DNSDataExfiltration",
			Meaning: "The instance made many queries under one domain whose subdomains look like encoded data. This is how DNS " +
				"tunnelling moves data out past firewalls; some security and telemetry agents encode lookups in a similar way.",
			Investigate: []string{
				"Read service.additionalInfo: sampleName, queries and encodedBytes, and service.action.dnsRequestAction.domain (the parent domain).",
				stepDescribeInstance, stepDNSProcess,
				"Estimate what was sent: the number and length of the encoded names in the query logs for that domain.",
			},
			Respond: []string{
				stepIsolate, stepDNSFirewall,
				"Treat data the process could read as disclosed; snapshot, rebuild, and rotate credentials that were on the instance.",
				"If a known agent makes the queries, add a suppression rule on the type and service.action.dnsRequestAction.domain.",
			},
		},
		Runbook{
			Type: "Trojan:EC2/DriveBySourceTraffic!DNS",
			Meaning: "The instance looked up a domain known to host drive-by downloads, pages that install malware through browser " +
				"or plugin flaws. A browser or application on the instance may have fetched malware.",
			Investigate: steps(investigateDNSTI, []string{"Look for files downloaded around service.eventFirstSeen and scan them (`vigil scan PATH`)."}),
			Respond:     respondDNSInfected,
		},
		Runbook{
			Type: "Trojan:EC2/DropPoint!DNS",
			Meaning: "The instance looked up a domain known to receive data stolen by malware (credentials, keystrokes, files). " +
				"Assume data and credentials on the instance are being stolen.",
			Investigate: investigateDNSTI,
			Respond:     steps(respondDNSInfected, []string{"Rotate every credential that was on the instance or typed on it."}),
		},
		Runbook{
			Type: "Trojan:EC2/PhishingDomainRequest!DNS",
			Meaning: "The instance looked up a domain that hosts phishing pages. Someone using the instance (a workspace or jump " +
				"host) may have followed a phishing link and given away credentials, or the instance serves as part of a phishing campaign.",
			Investigate: steps(investigateDNSTI[:3], []string{"Ask who used the instance at that time and whether they entered credentials on the site."}),
			Respond: []string{
				stepDNSFirewall,
				"Reset the passwords and sessions of anyone who entered credentials, and check their accounts' recent activity.",
				"If the instance itself hosts or sends phishing, isolate, snapshot and rebuild it.",
			},
		},
		Runbook{
			Type: "UnauthorizedAccess:EC2/MetadataDNSRebind",
			Meaning: "A name the instance looked up resolved to the instance metadata service (169.254.169.254). In a DNS rebinding " +
				"attack such a name tricks an application on the instance into fetching metadata, including the role's credentials, " +
				"for the attacker.",
			Investigate: []string{
				"Read service.action.dnsRequestAction.domain and service.additionalInfo (answer, answerType, queryType).",
				stepDescribeInstance,
				"Find the application that resolved the name (a web app that fetches user-supplied URLs is the usual suspect) and its request logs.",
				"Check CloudTrail for the instance role's credentials used from elsewhere (InstanceCredentialExfiltration findings).",
			},
			Respond: []string{
				"Require IMDSv2, whose session tokens defeat the plain GET requests such attacks rely on: `aws ec2 modify-instance-metadata-options --instance-id " +
					"INSTANCE_ID --http-tokens required --http-put-response-hop-limit 1`.",
				"Revoke the instance role's sessions (IAM console > Roles > ROLE > Revoke active sessions).",
				"Fix the application so it refuses link-local and private addresses after resolving a URL.",
				"If the name is deliberately mapped to the metadata service, add a suppression rule on service.action.dnsRequestAction.domain.",
			},
		},
	)
}
