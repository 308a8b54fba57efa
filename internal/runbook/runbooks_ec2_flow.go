package runbook

// Runbooks for EC2 findings made from VPC flow logs.

// respondCompromised is the response to an instance that is probably
// compromised and talking to an attacker's address.
var respondCompromised = []string{stepIsolate, stepSnapshot, stepRebuild, stepBlockRemote}

// investigateFlowTI is the investigation of a flow to or from a listed
// address.
var investigateFlowTI = []string{stepDescribeInstance, stepWhichList, stepFlowFields, stepFindProcess}

func init() {
	add(
		Runbook{
			Type: "Backdoor:EC2/C&CActivity.B",
			Meaning: "The instance opened (or tried to open; rejected flows count) a connection to an address on a command-and-control " +
				"list. Malware on the instance is probably checking in with its operator for orders.",
			Investigate: investigateFlowTI,
			Respond:     respondCompromised,
		},
		Runbook{
			Type: "CryptoCurrency:EC2/BitcoinTool.B",
			Meaning: "The instance connected to an address of a cryptocurrency mining pool. Unless you mine on purpose, a miner was " +
				"planted, usually after a compromise, and you are paying for its CPU.",
			Investigate: steps(investigateFlowTI, []string{
				"Check CPU use (CloudWatch CPUUtilization, `top`) and look for miners such as xmrig and for how they start " +
					"(crontab, systemd units, /tmp, user data).",
			}),
			Respond: steps(respondCompromised[:3], []string{"If mining is intended on this instance, add a suppression rule on the type and resource.instanceDetails.instanceId."}),
		},
		Runbook{
			Type: "Trojan:EC2/BlackholeTraffic",
			Meaning: "The instance tried to reach an address on a blackhole list: a sinkholed or null-routed address, often the old " +
				"command server of a botnet that was taken down. Malware on the instance is probably still trying to phone home.",
			Investigate: investigateFlowTI,
			Respond:     respondCompromised,
		},
		Runbook{
			Type: "Trojan:EC2/DropPoint",
			Meaning: "The instance sent traffic to an address known to collect data stolen by malware (credentials, keystrokes, " +
				"files). Treat data and credentials on the instance as already stolen.",
			Investigate: steps(investigateFlowTI[:3], []string{
				"Estimate what left: bytes to the address in the flow logs, and which credentials and files the process could read.",
			}),
			Respond: steps(respondCompromised, []string{"Rotate every credential that was on the instance or typed on it."}),
		},
		Runbook{
			Type: "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
			Meaning: "The instance exchanged traffic with an address on one of your own threat lists: it connected out (resourceRole " +
				"ACTOR) or accepted a connection in (TARGET). Someone you chose to watch is talking to this instance.",
			Investigate: []string{stepCustomList, stepDescribeInstance, stepFlowFields, stepFindProcess},
			Respond:     []string{stepBlockRemote, stepIsolate, stepSnapshot, stepTrustIP},
		},
		Runbook{
			Type: "UnauthorizedAccess:EC2/TorClient",
			Meaning: "The instance connected to addresses of the Tor network, so where its traffic finally goes is hidden. Malware " +
				"uses Tor to reach its operators; on a server it is rarely legitimate.",
			Investigate: []string{stepDescribeInstance, stepFlowFields, stepFindProcess, "Look for a tor binary or a tor library linked into another program, and for how it is started."},
			Respond:     []string{stepIsolate, stepSnapshot, stepRebuild, stepSuppress},
		},
		Runbook{
			Type: "UnauthorizedAccess:EC2/TorIPCaller",
			Meaning: "The instance accepted inbound connections from a Tor exit node. Someone hiding their address is reaching a " +
				"service on the instance, possibly to attack it or to use it anonymously.",
			Investigate: []string{
				stepDescribeInstance, stepFlowFields,
				"Check the logs of the service on service.action.networkConnectionAction.localPortDetails for what the Tor client did " +
					"(logins, admin pages, exploits).",
				"Check which security group rule lets the port in: `aws ec2 describe-security-groups --group-ids SG_ID`.",
			},
			Respond: []string{
				"Limit the port to the sources that need it (`aws ec2 revoke-security-group-ingress` for 0.0.0.0/0); put public web " +
					"services behind a load balancer with AWS WAF.",
				"If the service was abused or breached, isolate, snapshot and rebuild the instance.",
				stepSuppress,
			},
		},
		Runbook{
			Type: "UnauthorizedAccess:EC2/TorRelay",
			Meaning: "Several Tor nodes connected to the same port of the instance: it is serving as a Tor relay. It then forwards " +
				"strangers' traffic from your address space, which is usually an attacker's or an unsanctioned user's doing.",
			Investigate: []string{
				stepDescribeInstance, stepFlowFields,
				"On the host, find the process listening on the port (`ss -tlnp`) and its configuration (a torrc naming ORPort).",
				"Ask the instance's owner whether running a relay was approved.",
			},
			Respond: []string{stepIsolate, stepSnapshot, stepRebuild, stepSuppress},
		},
		dos("Backdoor:EC2/DenialOfService.Dns", "DNS traffic (port 53, over UDP or in small TCP packets)"),
		dos("Backdoor:EC2/DenialOfService.Tcp", "small TCP packets (such as a SYN flood)"),
		dos("Backdoor:EC2/DenialOfService.Udp", "UDP packets"),
		dos("Backdoor:EC2/DenialOfService.UdpOnTcpPorts", "UDP packets aimed at ports normally served over TCP (80, 443, 22...)"),
		dos("Backdoor:EC2/DenialOfService.UnusualProtocol", "packets of an IP protocol other than TCP, UDP and ICMP (such as GRE)"),
		Runbook{
			Type: "Backdoor:EC2/Spambot",
			Meaning: "The instance opened SMTP connections (port 25) to many different mail servers in a short time. It is sending " +
				"mail directly to the internet, which is typical of spam malware or an abused contact form; a mail relay you run is the benign case.",
			Investigate: []string{
				stepDescribeInstance, stepFlowFields,
				"On the host, find the sender: `ss -tnp '( dport = :25 )'`, the mail queue (`mailq`), and web-application logs for " +
					"form posts that send mail.",
			},
			Respond: []string{
				"Stop outbound port 25 in the instance's security group egress rules, or isolate the instance.",
				stepSnapshot, stepRebuild,
				"For a real mail server, add a suppression rule on the type and resource.instanceDetails.instanceId.",
			},
		},
		bruteForce("UnauthorizedAccess:EC2/SSHBruteForce", "SSH", "22",
			"Read the SSH log (/var/log/auth.log or /var/log/secure, or `journalctl -u sshd`) for \"Accepted\" lines from "+
				"the remote address: a success means the instance may be compromised."),
		bruteForce("UnauthorizedAccess:EC2/RDPBruteForce", "RDP", "3389",
			"Read the Windows Security log for events 4625 (failed) and 4624 with logon type 10 (successful remote logon) from "+
				"the remote address: a success means the instance may be compromised."),
		Runbook{
			Type: "Recon:EC2/PortProbeUnprotectedPort",
			Meaning: "A port of the instance that is open to the internet was probed by known scanners, or by several addresses " +
				"that only touched it. The probes themselves are routine internet noise; what matters is that the port is reachable " +
				"and what answers on it (Elasticsearch 9200/9300 raises the severity to High).",
			Investigate: []string{
				"Read service.action.portProbeAction.portProbeDetails (localPortDetails, remoteIpDetails) for the port and the probers.",
				stepDescribeInstance,
				"Find the security group rule that exposes the port: `aws ec2 describe-security-groups --group-ids SG_ID`.",
				"Check the service's logs for requests from the probing addresses that went beyond a connect.",
			},
			Respond: []string{
				"Remove the public rule if the port need not be public: `aws ec2 revoke-security-group-ingress --group-id SG_ID " +
					"--protocol tcp --port PORT --cidr 0.0.0.0/0`; reach admin services through SSM, a VPN or a bastion.",
				"Patch the service and require authentication on it.",
				stepSuppress,
			},
		},
		Runbook{
			Type: "Recon:EC2/PortProbeEMRUnprotectedPort",
			Meaning: "A port of an EMR node used by a cluster web service (YARN ResourceManager 8088, Spark history 18080, Zeppelin " +
				"8890...) is open to the internet and was probed. Unauthenticated YARN and notebook services are commonly abused " +
				"to run code, often crypto miners.",
			Investigate: []string{
				"Read service.action.portProbeAction.portProbeDetails for the port and probers, and resource.instanceDetails.tags for the cluster.",
				"Find the security group rule that exposes the port: `aws ec2 describe-security-groups --group-ids SG_ID`.",
				"Check the cluster for applications nobody submitted: `yarn application -list` on the primary node, and the YARN logs.",
			},
			Respond: []string{
				"Remove the public rule (`aws ec2 revoke-security-group-ingress`) and turn on EMR block public access " +
					"(`aws emr put-block-public-access-configuration` with BlockPublicSecurityGroupRules=true).",
				"Reach the web interfaces through an SSH tunnel or the EMR console's application UIs instead.",
				"If unknown applications ran, terminate the cluster and rebuild it; rotate the EMR role's credentials.",
			},
		},
		Runbook{
			Type: "Recon:EC2/Portscan",
			Meaning: "The instance sent short connection attempts to many different ports of one remote host: it is port-scanning it. " +
				"A compromised instance looking for its next target, or an approved vulnerability scanner or monitoring tool " +
				"running on it.",
			Investigate: []string{
				stepDescribeInstance, stepFlowFields,
				"Find the scanner on the host (nmap, masscan, zmap or an unknown binary) with `ss -tnp` and `ps aux`.",
				"Check whether the target (remoteIpDetails.organization) is yours and whether a scan was scheduled.",
			},
			Respond: []string{
				stepIsolate, stepSnapshot, stepRebuild,
				"For an approved scanner instance, add a suppression rule on the type and resource.instanceDetails.instanceId.",
			},
		},
		Runbook{
			Type: "Behavior:EC2/NetworkPortUnusual",
			Meaning: "After learning which remote ports the instance normally connects to, Vigil saw it connect out to a port it had " +
				"not used (other than 80, 443, 53 and 123). A new port can be a reverse shell or command channel, or simply new " +
				"software or a new dependency.",
			Investigate: []string{
				stepFlowFields, stepFindProcess,
				"Check deployments and configuration changes around service.eventFirstSeen (CodeDeploy, SSM, package installs).",
			},
			Respond: []string{
				"If nobody can explain it, block the remote address and isolate the instance, then snapshot and investigate.",
				"If it is expected, add a suppression rule on the type, resource.instanceDetails.instanceId and " +
					"service.action.networkConnectionAction.remotePortDetails.port.",
				"If the instance's traffic is too varied for a baseline, tune detection.params.ec2.unusual_traffic in vigil.yaml.",
			},
		},
		Runbook{
			Type: "Behavior:EC2/TrafficVolumeUnusual",
			Meaning: "The instance sent far more data to one remote address in a window than its usual outbound volume. It may be " +
				"data exfiltration; backups, log shipping and large uploads to a new destination are the usual benign causes.",
			Investigate: []string{
				stepFlowFields,
				"Identify the destination: remoteIpDetails.organization (ASN, owner) and country; is it a service you use?",
				stepFindProcess,
				"Compare with scheduled jobs and deploys at that time (backups, replication, data exports).",
			},
			Respond: []string{
				"If the destination is unknown, block it and isolate the instance; treat the data the instance holds as possibly disclosed.",
				stepSnapshot,
				"If the transfer is expected, add a suppression rule on the instance and remote address, or tune detection.params.ec2.unusual_traffic.",
			},
		},
	)
}

// dos is the runbook of an instance flooding one public address.
func dos(typ, what string) Runbook {
	return Runbook{
		Type: typ,
		Meaning: "The instance flooded one public address with " + what + " in a short window: it appears to be taking part " +
			"in a denial-of-service attack, usually because it was compromised and joined a botnet. A load test against your own " +
			"endpoint is the benign cause.",
		Investigate: []string{
			stepDescribeInstance,
			stepFlowFields,
			stepFindProcess,
			"Check whether the target address is yours (a load-test target) or a third party's.",
		},
		Respond: []string{
			stepIsolate,
			stepSnapshot,
			stepRebuild,
			"For an approved load test, add a suppression rule on the type and instance for the test window.",
		},
	}
}

// bruteForce is the runbook of password guessing over a remote-login
// protocol, where the instance is the target or the attacker.
func bruteForce(typ, proto, port, logs string) Runbook {
	return Runbook{
		Type: typ,
		Meaning: "Many short " + proto + " connections (port " + port + ") went between the instance and one address: password " +
			"guessing. With service.resourceRole TARGET (Low) the instance is being attacked from the internet; with ACTOR (High) " +
			"the instance is attacking another host and is probably compromised.",
		Investigate: []string{
			"Read service.resourceRole and service.action.networkConnectionAction (remoteIpDetails, connectionDirection).",
			stepDescribeInstance,
			logs,
			"Find the security group rule that exposes port " + port + ": `aws ec2 describe-security-groups --group-ids SG_ID`.",
		},
		Respond: []string{
			"TARGET: remove 0.0.0.0/0 from port " + port + " (`aws ec2 revoke-security-group-ingress --group-id SG_ID --protocol tcp " +
				"--port " + port + " --cidr 0.0.0.0/0`) and use SSM Session Manager, a VPN or a bastion instead.",
			"TARGET: require key-based or multi-factor logins and lock out repeated failures.",
			"ACTOR, or a successful login: isolate the instance, snapshot its volumes and rebuild it.",
			stepBlockRemote,
		},
	}
}
