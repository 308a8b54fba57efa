package runbook

// Runbooks for Lambda findings made from the flow logs of the network
// interfaces of VPC-attached functions.

// investigateLambdaTI is the investigation of a function's flow to or
// from a listed address.
var investigateLambdaTI = []string{
	stepDescribeFunction,
	stepWhichList,
	"Read service.action.networkConnectionAction (remoteIpDetails, remotePortDetails, connectionDirection) and the " +
		"function's logs (`aws logs tail /aws/lambda/NAME --since 1h`) around service.eventFirstSeen.",
	stepFunctionChanges,
}

// respondLambda is the response to a function whose code or dependencies
// are probably malicious.
var respondLambda = []string{
	stepThrottleFunction,
	stepRedeployFunction,
	"Block the remote address in the network ACL of the function's subnets (resource.lambdaDetails.vpcConfig.subnetIds).",
}

func init() {
	add(
		Runbook{
			Type: "Backdoor:Lambda/C&CActivity.B",
			Meaning: "The function connected (or tried to) to an address on a command-and-control list. Its code, a layer or a " +
				"dependency was probably tampered with and is calling home on every invocation.",
			Investigate: investigateLambdaTI,
			Respond:     respondLambda,
		},
		Runbook{
			Type: "CryptoCurrency:Lambda/BitcoinTool.B",
			Meaning: "The function connected to an address of a cryptocurrency mining pool. Someone is mining with your " +
				"invocations, through changed code, a malicious dependency or a hijacked event source.",
			Investigate: steps(investigateLambdaTI, []string{"Check the function's Duration and Invocations metrics in CloudWatch for a rise."}),
			Respond:     steps(respondLambda[:2], []string{"If mining is intended, add a suppression rule on the type and resource.lambdaDetails.functionName."}),
		},
		Runbook{
			Type: "Trojan:Lambda/BlackholeTraffic",
			Meaning: "The function tried to reach an address on a blackhole list, a sinkholed or null-routed address that often " +
				"belonged to a dismantled botnet. Code in the function is trying to contact infrastructure that malware once used.",
			Investigate: investigateLambdaTI,
			Respond:     respondLambda,
		},
		Runbook{
			Type: "Trojan:Lambda/DropPoint",
			Meaning: "The function sent traffic to an address known to collect stolen data. Secrets in its environment and data it " +
				"processes may be leaving the account.",
			Investigate: investigateLambdaTI,
			Respond:     steps(respondLambda, []string{"Rotate the secrets the function could read (environment, Secrets Manager, Parameter Store)."}),
		},
		Runbook{
			Type: "UnauthorizedAccess:Lambda/MaliciousIPCaller.Custom",
			Meaning: "The function exchanged traffic with an address on one of your own threat lists, outbound (resourceRole ACTOR) " +
				"or inbound (TARGET). A source you chose to watch is talking to this function's network interface.",
			Investigate: []string{stepCustomList, stepDescribeFunction, investigateLambdaTI[2], stepFunctionChanges},
			Respond:     []string{respondLambda[2], stepThrottleFunction, stepRedeployFunction, stepTrustIP},
		},
		Runbook{
			Type: "UnauthorizedAccess:Lambda/TorClient",
			Meaning: "The function connected to addresses of the Tor network, hiding where its traffic goes. Lambda code has " +
				"almost no legitimate reason to use Tor; suspect malicious code or a compromised dependency.",
			Investigate: steps([]string{stepDescribeFunction}, investigateLambdaTI[2:]),
			Respond:     respondLambda,
		},
		Runbook{
			Type: "UnauthorizedAccess:Lambda/TorRelay",
			Meaning: "Several Tor nodes connected to the same port of the function's network interface, as if it served as a Tor " +
				"relay. Check what really owns the interface and what listens there.",
			Investigate: []string{
				stepDescribeFunction,
				"Confirm the interface: `aws ec2 describe-network-interfaces --network-interface-ids ENI_ID` " +
					"(service.action.networkConnectionAction.localNetworkInterface).",
				investigateLambdaTI[2],
				stepFunctionChanges,
			},
			Respond: respondLambda,
		},
	)
}
