package runbook

// Steps shared by several finding types. Placeholders in commands are in
// capitals (USER, KEY_ID, INSTANCE_ID, BUCKET ...); the finding's fields
// named in the same step give their values.

// API-call findings (CloudTrail): who called, and what else they did.
const (
	stepWhoCalled = "Read resource.accessKeyDetails (userName, userType, accessKeyId) and service.action.awsApiCallAction " +
		"(api, serviceName, errorCode, userAgent, remoteIpDetails) to learn who called what, from where, and whether the call succeeded."
	stepKeyHistory = "List the credentials' other calls: `aws cloudtrail lookup-events --lookup-attributes " +
		"AttributeKey=AccessKeyId,AttributeValue=KEY_ID` (management events of the last 90 days; S3 data events are only in the trail's bucket or CloudTrail Lake)."
	stepPersistence = "Look for persistence made by the same principal: CreateUser, CreateAccessKey, CreateLoginProfile, " +
		"Attach*/Put*Policy, UpdateAssumeRolePolicy, RunInstances, CreateFunction."
	stepAskOwner = "Ask the principal's owner whether they made the call; a change ticket or an agreed security test explains it."
)

// Containment of IAM credentials.
const (
	stepDeactivateKey = "If the caller is an IAM user and the activity is not expected, deactivate the key: " +
		"`aws iam update-access-key --user-name USER --access-key-id KEY_ID --status Inactive`, and reset the user's console password."
	stepRevokeSessions = "If the caller is a role session (userType AssumedRole), revoke its sessions: IAM console > Roles > ROLE > " +
		"Revoke active sessions (an inline deny on aws:TokenIssueTime before now)."
	stepUndoChanges = "Undo what the principal changed (users, keys, policies, instances found above) and rotate any secret it could read."
)

// Vigil's own ways to quiet a benign finding.
const (
	stepTrustIP = "If the address is yours or expected (VPN or proxy egress, an approved scanner), add it to a trusted list " +
		"(intel.trusted_lists in vigil.yaml); trusted addresses stop CloudTrail and flow-log findings."
	stepSuppress = "If the activity is benign and will recur, add a suppression rule (an ARCHIVE filter: console > Suppression rules, or " +
		"`aws guardduty create-filter --action ARCHIVE --endpoint-url VIGIL_URL ...`) on the type and the resource."
)

// Threat-intelligence matches.
const (
	stepWhichList = "Read service.evidence.threatIntelligenceDetails (threatListName, threatNames) to see which list matched; " +
		"`vigil intel check ADDRESS_OR_DOMAIN` shows every list that holds it now."
	stepCustomList = "The match is on one of your own threat lists (intel.threat_lists): find who added the entry and why " +
		"before acting, and remove it from the list if it is stale."
)

// EC2 instances.
const (
	stepDescribeInstance = "Identify the instance from resource.instanceDetails.instanceId: `aws ec2 describe-instances --instance-ids INSTANCE_ID` " +
		"gives its owner tags, AMI, launch time, instance profile and security groups."
	stepFindProcess = "On the host (SSM Session Manager or Run Command), find the process behind the traffic: `ss -tnup` or " +
		"`lsof -i @REMOTE_IP` on Linux, `netstat -ano` on Windows; note its binary, parent and start time."
	stepIsolate = "Isolate the instance: `aws ec2 modify-instance-attribute --instance-id INSTANCE_ID --groups SG_ID` with a security group " +
		"that has no rules (add a NACL deny too: tracked connections can outlive the group change)."
	stepSnapshot = "Snapshot its volumes for forensics before changing the host (`aws ec2 create-snapshot --volume-id VOLUME_ID`) and scan " +
		"them with `vigil scan --instance-id INSTANCE_ID MOUNT_POINT`."
	stepRebuild = "Rebuild from a known-good AMI, patch what let the attacker in, and rotate the instance role's credentials " +
		"(revoke its sessions) and any secret stored on the host."
	stepBlockRemote = "Block the remote address for the subnet: `aws ec2 create-network-acl-entry --network-acl-id ACL_ID --egress " +
		"--rule-number 50 --protocol -1 --cidr-block REMOTE_IP/32 --rule-action deny` (and again with --ingress)."
)

// VPC flow logs.
const (
	stepFlowFields = "Read service.action.networkConnectionAction (connectionDirection, remoteIpDetails, remotePortDetails, " +
		"localNetworkInterface, protocol, blocked) and service.count for how often it happened."
	stepFlowHistory = "Review the interface's flow logs between service.eventFirstSeen and eventLastSeen for other remote " +
		"addresses and for traffic before the first finding."
)

// Route 53 Resolver DNS query logs.
const (
	stepDNSFields = "Read service.action.dnsRequestAction (domain, protocol, blocked) and resource.instanceDetails.instanceId; " +
		"for queries forwarded from on premises, service.additionalInfo gives resolverEndpoint and sourceAddress instead."
	stepDNSProcess = "Find what resolves the name on the host: `sudo tcpdump -ni any port 53` with `ss -tnup` on Linux, Sysmon " +
		"event 22 (DNSEvent) on Windows; check crontab, systemd units, recently changed binaries and browser history."
	stepDNSFirewall = "Block the domain for the VPC with Route 53 Resolver DNS Firewall: a domain list " +
		"(`aws route53resolver create-firewall-domain-list`), a BLOCK rule, and a rule group associated with the VPC."
	stepDNSSuppress = "Trusted IP lists do not apply to DNS findings: if the domain is benign for you, add a suppression rule on " +
		"the type and service.action.dnsRequestAction.domain."
)

// Lambda functions.
const (
	stepDescribeFunction = "Identify the function from resource.lambdaDetails (functionName, functionVersion, role): " +
		"`aws lambda get-function --function-name NAME` shows its code location, runtime, VPC and last change."
	stepFunctionChanges = "Look in CloudTrail for recent UpdateFunctionCode, UpdateFunctionConfiguration, PublishLayerVersion and " +
		"AddPermission calls on the function, and check its dependencies and layers for a compromised package."
	stepThrottleFunction = "Stop the function from running while you investigate: `aws lambda put-function-concurrency --function-name NAME " +
		"--reserved-concurrent-executions 0`."
	stepRedeployFunction = "Redeploy from a known-good artifact, rotate the secrets in its environment and revoke the execution role's " +
		"sessions; restrict its egress with the function's security group."
)

// S3 buckets.
const (
	stepBucketState = "Check the bucket's current exposure: `aws s3api get-bucket-policy-status --bucket BUCKET`, " +
		"`get-bucket-policy`, `get-bucket-acl` and `get-public-access-block`."
	stepS3DataEvents = "Query the trail's S3 data events (or server access logs) for the caller and bucket: which keys were touched, " +
		"errorCode, and additionalEventData.bytesTransferredOut for reads."
	stepRestoreObjects = "Restore deleted or overwritten objects from earlier versions (`aws s3api list-object-versions --bucket BUCKET " +
		"--prefix PREFIX`) or from backups; turn on versioning and Object Lock for buckets that need it."
	stepBlockIPOnBucket = "Block the address on the bucket: add a bucket-policy Deny for s3:* with an aws:SourceIp condition " +
		"(network ACLs do not stop calls to S3's public endpoint)."
	stepEnableBPA = "Turn Block Public Access back on: `aws s3api put-public-access-block --bucket BUCKET --public-access-block-configuration " +
		"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`."
)
