package runbook

// Runbooks for S3 findings: bucket configuration changes (management
// events) and data-plane calls from listed addresses (S3 data events).

func init() {
	add(
		Runbook{
			Type: "Policy:S3/AccountBlockPublicAccessDisabled",
			Meaning: "S3 Block Public Access was turned off, fully or in part, for the whole account. From now on a bucket policy " +
				"or ACL can make any bucket in the account public, so a single later mistake or attacker change exposes data.",
			Investigate: []string{
				stepWhoCalled,
				"Check the account setting now: `aws s3control get-public-access-block --account-id ACCOUNT_ID`.",
				"Look for buckets made public since the change: PutBucketPolicy, PutBucketAcl and PutBucketPublicAccessBlock " +
					"events, and Policy:S3/Bucket*AccessGranted findings.",
			},
			Respond: []string{
				"Turn it back on: `aws s3control put-public-access-block --account-id ACCOUNT_ID --public-access-block-configuration " +
					"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`.",
				"Serve public content through CloudFront with origin access control rather than public buckets.",
				"Protect the setting with an SCP that denies s3:PutAccountPublicAccessBlock except to an administration role.",
				stepSuppress,
			},
		},
		Runbook{
			Type: "Policy:S3/BucketBlockPublicAccessDisabled",
			Meaning: "S3 Block Public Access was turned off, fully or in part, on one bucket (resource.s3BucketDetails). The bucket " +
				"is not public yet, but its policy or ACLs can now make it so; static website buckets are the common benign case.",
			Investigate: []string{
				stepWhoCalled,
				stepBucketState,
				"Check the account-level setting, which still applies: `aws s3control get-public-access-block --account-id ACCOUNT_ID`.",
				"Ask the bucket's owner (its tags) whether it is meant to be public and what it holds.",
			},
			Respond: []string{
				stepEnableBPA,
				"If the bucket must serve content, put CloudFront with origin access control in front of it instead.",
				stepDeactivateKey,
				stepSuppress,
			},
		},
		Runbook{
			Type: "Policy:S3/BucketAnonymousAccessGranted",
			Meaning: "A bucket policy statement allowing Principal \"*\" without a limiting condition, or an ACL granting the " +
				"AllUsers group, gave anyone on the internet access to a bucket. Its data can be read (or written) without " +
				"credentials unless Block Public Access still overrides it.",
			Investigate: []string{
				stepWhoCalled,
				stepBucketState,
				"See whether anonymous requests already happened: server access log lines whose requester is \"-\" " +
					"(unauthenticated), or S3 data events for the bucket from addresses and accounts that are not yours.",
				"Find out what the bucket holds and whether any of it is sensitive.",
			},
			Respond: []string{
				"Remove the grant: edit the policy statement (or `aws s3api delete-bucket-policy --bucket BUCKET`) and reset the " +
					"ACL with `aws s3api put-bucket-acl --bucket BUCKET --acl private`.",
				stepEnableBPA,
				"If data was read, treat it as disclosed: rotate any secrets it held and follow your breach process.",
				stepSuppress,
			},
		},
		Runbook{
			Type: "Policy:S3/BucketPublicAccessGranted",
			Meaning: "A bucket ACL granted the AuthenticatedUsers group (or the authenticated-read canned ACL), which means any " +
				"AWS account in the world, not just yours. Anyone with an AWS account can read the bucket unless Block Public " +
				"Access overrides the ACL.",
			Investigate: []string{
				stepWhoCalled,
				stepBucketState,
				"Look for reads by accounts other than yours in the bucket's S3 data events or server access logs since the change.",
			},
			Respond: []string{
				"Reset the ACL: `aws s3api put-bucket-acl --bucket BUCKET --acl private`, and consider disabling ACLs " +
					"(`aws s3api put-bucket-ownership-controls` with BucketOwnerEnforced).",
				stepEnableBPA,
				"Grant other accounts access through a bucket policy naming them instead of the AuthenticatedUsers group.",
				stepSuppress,
			},
		},
		Runbook{
			Type: "Stealth:S3/ServerAccessLoggingDisabled",
			Meaning: "Server access logging was turned off for a bucket. The per-request record of who read or wrote objects " +
				"stops, which hides later data theft; moving to CloudTrail data events is the common benign reason.",
			Investigate: []string{
				stepWhoCalled,
				"Check the bucket's logging now: `aws s3api get-bucket-logging --bucket BUCKET` (empty output means off).",
				"Check whether CloudTrail S3 data events still cover the bucket (`aws cloudtrail get-event-selectors --trail-name TRAIL`).",
				"List the bucket calls the same principal made after the change.",
			},
			Respond: []string{
				"Turn logging back on: `aws s3api put-bucket-logging --bucket BUCKET --bucket-logging-status file://logging.json` " +
					"with the former TargetBucket and TargetPrefix.",
				stepDeactivateKey,
				stepRevokeSessions,
				stepSuppress,
			},
		},
		Runbook{
			Type: "Discovery:S3/MaliciousIPCaller",
			Meaning: "S3 read-only discovery calls (List*, Head*, metadata Get*) came from an address on a malicious-host feed. " +
				"Someone is mapping your buckets and objects, often just before taking data.",
			Investigate: []string{stepWhoCalled, stepWhichList, stepS3DataEvents, stepKeyHistory},
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepBlockIPOnBucket, stepTrustIP},
		},
		Runbook{
			Type: "Discovery:S3/MaliciousIPCaller.Custom",
			Meaning: "S3 read-only discovery calls (List*, Head*, metadata Get*) came from an address on one of your own threat " +
				"lists. A source you decided to watch is enumerating your buckets and objects.",
			Investigate: []string{stepCustomList, stepWhoCalled, stepS3DataEvents, stepKeyHistory},
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepBlockIPOnBucket, stepTrustIP},
		},
		Runbook{
			Type: "Discovery:S3/TorIPCaller",
			Meaning: "S3 read-only discovery calls (List*, Head*, metadata Get*) came from a Tor exit node. The caller hides its " +
				"real address while listing your buckets and objects, a typical first step before data theft.",
			Investigate: []string{stepWhoCalled, stepS3DataEvents, stepKeyHistory, stepAskOwner},
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepBlockIPOnBucket, stepSuppress},
		},
		Runbook{
			Type: "Exfiltration:S3/MaliciousIPCaller",
			Meaning: "Calls that read object content (GetObject, SelectObjectContent, CopyObject, UploadPartCopy) came from an " +
				"address on a malicious-host feed. Data may have left the bucket; check errorCode before assuming it did.",
			Investigate: []string{
				stepWhoCalled, stepWhichList,
				"List what was read: the caller's GetObject data events with requestParameters.key and " +
					"additionalEventData.bytesTransferredOut, or the server access logs for the address.",
				stepKeyHistory,
			},
			Respond: []string{
				stepDeactivateKey, stepRevokeSessions, stepBlockIPOnBucket,
				"Treat the objects read as disclosed: rotate secrets they held and follow your breach process.",
			},
		},
		Runbook{
			Type: "Impact:S3/MaliciousIPCaller",
			Meaning: "Calls that write, delete or change permissions or tags of objects (PutObject, DeleteObject(s), Put*Acl, " +
				"Put*Tagging) came from an address on a malicious-host feed. Data may have been destroyed, replaced or " +
				"encrypted for ransom.",
			Investigate: []string{stepWhoCalled, stepWhichList, stepS3DataEvents, "Check versioning and Object Lock on the bucket: `aws s3api get-bucket-versioning --bucket BUCKET`."},
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepBlockIPOnBucket, stepRestoreObjects},
		},
		Runbook{
			Type: "UnauthorizedAccess:S3/MaliciousIPCaller.Custom",
			Meaning: "S3 calls that read object content, write or delete came from an address on one of your own threat lists. " +
				"A source you decided to watch is taking or changing data in the bucket.",
			Investigate: []string{stepCustomList, stepWhoCalled, stepS3DataEvents, stepKeyHistory},
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepBlockIPOnBucket, stepRestoreObjects},
		},
		Runbook{
			Type: "UnauthorizedAccess:S3/TorIPCaller",
			Meaning: "S3 calls that read object content, write or delete came from a Tor exit node. Someone hiding their address " +
				"is taking or changing data with these credentials (or, for a public bucket, without any).",
			Investigate: []string{stepWhoCalled, stepS3DataEvents, stepKeyHistory, stepAskOwner},
			Respond:     []string{stepDeactivateKey, stepRevokeSessions, stepBlockIPOnBucket, stepRestoreObjects},
		},
		pentestS3("PenTest:S3/KaliLinux", "Kali Linux"),
		pentestS3("PenTest:S3/ParrotLinux", "Parrot Security"),
		pentestS3("PenTest:S3/PentooLinux", "Pentoo"),
	)
}

// pentestS3 is the runbook of an S3 data-plane call from a
// penetration-testing distribution.
func pentestS3(typ, distro string) Runbook {
	return Runbook{
		Type: typ,
		Meaning: "An S3 data-plane call (GetObject, PutObject, ListObjects...) was made with a user agent that names " + distro +
			", a Linux distribution built for penetration testing. Someone is working on your buckets' data from an attack toolkit: " +
			"an attacker, or an approved test.",
		Investigate: []string{
			"Read service.action.awsApiCallAction.userAgent (the " + distro + " fingerprint), api and remoteIpDetails, and " +
				"resource.s3BucketDetails for the bucket.",
			stepS3DataEvents,
			"Check with the security team whether a penetration test covering this bucket and principal was scheduled.",
		},
		Respond: []string{
			stepDeactivateKey,
			stepRevokeSessions,
			stepRestoreObjects,
			"For an approved test, add a suppression rule on the type and resource.accessKeyDetails.userName for its duration only.",
		},
	}
}
