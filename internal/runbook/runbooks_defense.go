package runbook

// Runbooks for DefenseImpairment findings: API calls that switch off or
// blind the telemetry and controls detection depends on.

func init() {
	add(
		Runbook{
			Type: "DefenseImpairment:EC2/DisableOrModifyTools",
			Meaning: "VPC flow logs were deleted (DeleteFlowLogs). Network findings for the affected VPCs, subnets or interfaces " +
				"stop, which is what an attacker wants before moving data or scanning; tidy-ups and logging migrations are the benign causes.",
			Investigate: []string{
				stepWhoCalled,
				"Read service.action.awsApiCallAction.affectedResources and the event's requestParameters for the flow-log ids, " +
					"then see what still logs: `aws ec2 describe-flow-logs`.",
				"List what the same principal did around the deletion (network, instance and IAM changes).",
				stepKeyHistory,
			},
			Respond: []string{
				"Recreate the flow logs: `aws ec2 create-flow-logs --resource-type VPC --resource-ids VPC_ID --traffic-type ALL " +
					"--log-destination-type s3 --log-destination arn:aws:s3:::BUCKET`.",
				stepDeactivateKey,
				stepRevokeSessions,
				"Deny ec2:DeleteFlowLogs outside an administration role with an SCP.",
			},
		},
		Runbook{
			Type: "DefenseImpairment:GuardDuty/DisableOrModifyTools",
			Meaning: "Amazon GuardDuty was switched off (DeleteDetector, or UpdateDetector disabling it), or its trusted IP or threat " +
				"lists were changed. Attackers disable detection or add their own address to a trusted list to silence it.",
			Investigate: []string{
				stepWhoCalled,
				"Read service.additionalInfo.signal: GuardDutyDetectorDisabled or GuardDutyThreatListsModified.",
				"Check the detector: `aws guardduty list-detectors` and `aws guardduty get-detector --detector-id ID`; for list " +
					"changes, `aws guardduty list-ip-sets --detector-id ID` and `get-ip-set` to see what was added.",
				stepKeyHistory,
			},
			Respond: []string{
				"Re-enable detection (`aws guardduty update-detector --detector-id ID --enable`, or create a detector again) and " +
					"restore the lists from their source of truth.",
				stepDeactivateKey,
				stepRevokeSessions,
				"Deny guardduty:DeleteDetector, UpdateDetector and the IPSet and ThreatIntelSet writes outside an administration role with an SCP.",
			},
		},
		Runbook{
			Type: "DefenseImpairment:Organizations/ModifyCloudResourceHierarchy",
			Meaning: "Someone tried to take the account out of its AWS organization (LeaveOrganization); a failed attempt counts too. " +
				"Outside the organization the account escapes its SCPs, organization trail and central security tooling.",
			Investigate: []string{
				stepWhoCalled,
				"Check service.action.awsApiCallAction.errorCode: empty means the account left; from the management account, " +
					"`aws organizations list-accounts` shows whether it is still a member.",
				stepKeyHistory,
				stepPersistence,
			},
			Respond: []string{
				"If the account left, invite it back from the management account (`aws organizations invite-account-to-organization`) " +
					"and secure its root user meanwhile.",
				stepDeactivateKey,
				stepRevokeSessions,
				"Attach an SCP that denies organizations:LeaveOrganization to all member accounts.",
			},
		},
		Runbook{
			Type: "DefenseImpairment:Route53Resolver/DisableOrModifyTools",
			Meaning: "A Route 53 Resolver query logging configuration was deleted or detached from a VPC. DNS findings for that VPC " +
				"stop, hiding command-and-control lookups and DNS tunnelling.",
			Investigate: []string{
				stepWhoCalled,
				"See what still logs: `aws route53resolver list-resolver-query-log-configs` and " +
					"`aws route53resolver list-resolver-query-log-config-associations`.",
				stepKeyHistory,
			},
			Respond: []string{
				"Restore logging: `aws route53resolver associate-resolver-query-log-config --resolver-query-log-config-id ID " +
					"--resource-id VPC_ID` (recreate the configuration first if it was deleted).",
				stepDeactivateKey,
				stepRevokeSessions,
				"Deny route53resolver:DeleteResolverQueryLogConfig and DisassociateResolverQueryLogConfig outside an administration role with an SCP.",
			},
		},
	)
}
