package runbook

// Runbooks for IAM findings made from CloudTrail management events.

func init() {
	add(
		Runbook{
			Type: "Policy:IAMUser/RootCredentialUsage",
			Meaning: "The account's root user signed in or called an API with its long-term credentials (password or root access key). " +
				"Root can do anything and cannot be restricted by IAM policies, so everyday use is risky; a few tasks (closing the account, " +
				"changing the support plan) do need it.",
			Investigate: []string{
				stepWhoCalled,
				"Find every root call: `aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=root`; " +
					"for ConsoleLogin, additionalEventData.MFAUsed tells whether MFA was used.",
				"Check root's credentials: `aws iam get-account-summary` (AccountAccessKeysPresent, AccountMFAEnabled).",
				"Ask the people who hold the root password whether this was a planned root-only task.",
			},
			Respond: []string{
				"If nobody planned it: reset the root password, enable MFA on root, and delete any root access key " +
					"(root's Security credentials page).",
				stepUndoChanges,
				"Prefer short-term root access: in an organization, `aws iam enable-organizations-root-credentials-management` lets " +
					"you remove member accounts' root credentials and use sts:AssumeRoot for root-only tasks.",
				stepSuppress,
			},
		},
		Runbook{
			Type: "Policy:IAMUser/ShortTermRootCredentialUsage",
			Meaning: "An API was called with short-term root credentials obtained through sts:AssumeRoot, the centralized root-access " +
				"feature of AWS Organizations. It is expected for the few privileged tasks it exists for (such as unlocking a bucket " +
				"policy), but anyone able to call AssumeRoot can act as root on member accounts.",
			Investigate: []string{
				stepWhoCalled,
				"In the management (or delegated administrator) account, find the AssumeRoot call: `aws cloudtrail lookup-events " +
					"--lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRoot`; it names the caller, targetPrincipal and taskPolicyArn.",
				"Check that the task policy matches what was done (for example S3UnlockBucketPolicy followed by DeleteBucketPolicy) and that a ticket asked for it.",
			},
			Respond: []string{
				"If the task was not approved, revoke the sessions of the role that called AssumeRoot and limit sts:AssumeRoot to a " +
					"small break-glass role with an SCP or permissions policy.",
				stepUndoChanges,
				stepSuppress,
			},
		},
		Runbook{
			Type: "Stealth:IAMUser/CloudTrailLoggingDisabled",
			Meaning: "A CloudTrail trail was stopped, deleted, or changed so that it no longer records management events, all Regions " +
				"or global-service events. Attackers do this to hide what they do next; trail clean-ups during a migration to an " +
				"organization trail are the usual benign cause.",
			Investigate: []string{
				stepWhoCalled,
				"Check the trail now: `aws cloudtrail get-trail-status --name TRAIL` (IsLogging), `aws cloudtrail describe-trails` " +
					"and `aws cloudtrail get-event-selectors --trail-name TRAIL`.",
				"See whether another trail (an organization trail) still covers the account and Region, and list what the same " +
					"principal did just before and after the change.",
				stepPersistence,
			},
			Respond: []string{
				"Restore logging: `aws cloudtrail start-logging --name TRAIL`, or recreate the trail with its former selectors " +
					"and multi-Region setting.",
				stepDeactivateKey,
				stepRevokeSessions,
				"Prevent a repeat with an SCP that denies cloudtrail:StopLogging, DeleteTrail, UpdateTrail and PutEventSelectors " +
					"except to an administration role.",
			},
		},
		Runbook{
			Type: "Stealth:IAMUser/PasswordPolicyChange",
			Meaning: "The account password policy was deleted or weakened (shorter minimum length, fewer character classes, no " +
				"expiry or reuse prevention). Weak passwords make console accounts easier to guess, which can prepare a " +
				"brute-force or credential-stuffing attack.",
			Investigate: []string{
				stepWhoCalled,
				"Read service.additionalInfo: weakenedSettings lists what got weaker, comparedWith says against which policy, " +
					"and deleted is true when the policy was removed.",
				"Compare with the current policy: `aws iam get-account-password-policy`.",
				"Look for password activity after the change: CreateLoginProfile, UpdateLoginProfile, ChangePassword and ConsoleLogin events.",
			},
			Respond: []string{
				"Restore the policy: `aws iam update-account-password-policy --minimum-password-length 14 --require-symbols " +
					"--require-numbers --require-uppercase-characters --require-lowercase-characters --password-reuse-prevention 24`.",
				"Require password resets for users whose passwords were set while the policy was weak.",
				stepDeactivateKey,
				stepSuppress,
			},
		},
		pentestIAM("PenTest:IAMUser/KaliLinux", "Kali Linux"),
		pentestIAM("PenTest:IAMUser/ParrotLinux", "Parrot Security"),
		pentestIAM("PenTest:IAMUser/PentooLinux", "Pentoo"),
		Runbook{
			Type: "Recon:IAMUser/MaliciousIPCaller",
			Meaning: "Read-only management APIs (List*, Describe*, Get*) were called from an address on a malicious-host feed. " +
				"Enumerating resources is usually the first thing an attacker does with stolen credentials; failed calls count, " +
				"since they show the credentials are being tried.",
			Investigate: steps([]string{stepWhoCalled, stepWhichList, stepKeyHistory}, []string{stepAskOwner}),
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepUndoChanges, stepTrustIP},
		},
		Runbook{
			Type: "Recon:IAMUser/MaliciousIPCaller.Custom",
			Meaning: "Read-only management APIs (List*, Describe*, Get*) were called from an address on one of your own threat " +
				"lists. Someone holding the credentials is mapping the account from a source you chose to watch.",
			Investigate: []string{stepCustomList, stepWhoCalled, stepKeyHistory, stepAskOwner},
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepUndoChanges, stepTrustIP},
		},
		Runbook{
			Type: "Recon:IAMUser/TorIPCaller",
			Meaning: "Read-only management APIs (List*, Describe*, Get*) were called from a Tor exit node. Tor hides the caller's " +
				"real address; legitimate administrators rarely use it, so this often means stolen credentials being explored.",
			Investigate: []string{stepWhoCalled, stepKeyHistory, stepPersistence, stepAskOwner},
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepUndoChanges, stepSuppress},
		},
		Runbook{
			Type: "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
			Meaning: "APIs that change resources or access were called from an address on a malicious-host feed. The credentials " +
				"are probably compromised and being used to change the account, not just look at it.",
			Investigate: steps([]string{stepWhoCalled, stepWhichList, stepKeyHistory, stepPersistence}),
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepUndoChanges, stepTrustIP},
		},
		Runbook{
			Type: "UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom",
			Meaning: "APIs that change resources or access were called from an address on one of your own threat lists. " +
				"Treat it as a compromise of the credentials unless the list entry turns out to be wrong.",
			Investigate: []string{stepCustomList, stepWhoCalled, stepKeyHistory, stepPersistence},
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepUndoChanges, stepTrustIP},
		},
		Runbook{
			Type: "UnauthorizedAccess:IAMUser/TorIPCaller",
			Meaning: "APIs that change resources or access were called from a Tor exit node. An attacker hiding behind Tor is " +
				"making changes with these credentials; legitimate change work almost never goes through Tor.",
			Investigate: []string{stepWhoCalled, stepKeyHistory, stepPersistence, stepAskOwner},
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepUndoChanges, stepSuppress},
		},
		Runbook{
			Type: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
			Meaning: "Temporary credentials that EC2 delivered to an instance through its instance role were used from an address " +
				"outside AWS. They were probably stolen from the instance metadata service (for example through SSRF); traffic " +
				"that leaves through an on-premises proxy or VPN is the usual benign cause.",
			Investigate: []string{
				"Read service.additionalInfo.instanceId, resource.accessKeyDetails (the role session) and " +
					"service.action.awsApiCallAction.remoteIpDetails (the outside address, its ASN and country).",
				stepKeyHistory,
				stepDescribeInstance,
				"Look on the instance for SSRF or a compromise: web logs with requests for 169.254.169.254, and whether IMDSv2 is " +
					"required (`aws ec2 describe-instances` MetadataOptions.HttpTokens).",
			},
			Respond: []string{
				"Revoke the role's sessions (IAM console > Roles > ROLE > Revoke active sessions); the instance gets fresh credentials.",
				"Require IMDSv2: `aws ec2 modify-instance-metadata-options --instance-id INSTANCE_ID --http-tokens required " +
					"--http-put-response-hop-limit 1`.",
				stepUndoChanges,
				"If the address is your own egress, add it to intel.account_ips (or a trusted list) in vigil.yaml.",
			},
		},
		Runbook{
			Type: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS",
			Meaning: "Temporary credentials that EC2 delivered to an instance were used from an AWS address that does not belong to " +
				"the instance's account, for example from an attacker's own EC2 instance. Shared NAT gateways or proxies in another " +
				"of your accounts cause benign matches.",
			Investigate: []string{
				"Read service.additionalInfo.instanceId and service.action.awsApiCallAction.remoteIpDetails; the address is inside " +
					"AWS's published ranges but not in the account's known addresses.",
				"Check whether the address belongs to one of your accounts (an Elastic IP or NAT gateway: `aws ec2 describe-addresses` " +
					"and `aws ec2 describe-nat-gateways` there).",
				stepKeyHistory,
				stepDescribeInstance,
			},
			Respond: []string{
				"Revoke the role's sessions (IAM console > Roles > ROLE > Revoke active sessions); the instance gets fresh credentials.",
				"Require IMDSv2 on the instance (`aws ec2 modify-instance-metadata-options --http-tokens required`) and fix any SSRF found.",
				stepUndoChanges,
				"If the address is one of your own, list it under intel.account_ips for the account in vigil.yaml.",
			},
		},
	)
}

// pentestIAM is the runbook of a management API call from a
// penetration-testing distribution.
func pentestIAM(typ, distro string) Runbook {
	return Runbook{
		Type: typ,
		Meaning: "A management API was called with a user agent that names " + distro + ", a Linux distribution built for " +
			"penetration testing. The credentials are in an attacker's toolkit, or your own testers are at work; ask before assuming either.",
		Investigate: []string{
			"Read service.action.awsApiCallAction.userAgent (the " + distro + " fingerprint), api and remoteIpDetails, and " +
				"resource.accessKeyDetails for whose credentials were used.",
			stepKeyHistory,
			"Check with the security team whether a penetration test or red-team exercise was scheduled for this account and principal.",
			stepPersistence,
		},
		Respond: []string{
			stepDeactivateKey,
			stepRevokeSessions,
			stepUndoChanges,
			"For an approved test, add a suppression rule on the type and resource.accessKeyDetails.userName for its duration only.",
		},
	}
}
