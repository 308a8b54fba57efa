// Package export publishes findings outside Vigil: it renders a finding as
// GuardDuty JSON, as an AWS Security Finding Format (ASFF) object for
// Security Hub, or as an OCSF Detection Finding, and writes batches of
// findings to a folder or an S3 bucket in the layout GuardDuty's S3 export
// uses. Its writers are notify destinations.
//
// It never changes a finding, never reads the store and never retries on
// its own: the caller (the notify outbox, or "vigil findings export")
// decides what to send and when to try again. Renderers never panic, even
// on a finding with every field empty.
//
// # Layout
//
// One batch becomes one gzip-compressed JSON-lines object per account,
// region and UTC day of updatedAt:
//
//	<prefix>/AWSLogs/<account>/GuardDuty/<region>/YYYY/MM/DD/<name>.jsonl.gz
//
// with ".asff.jsonl.gz" or ".ocsf.jsonl.gz" for the other renderings. The
// name is 32 hex digits of a SHA-256 of the batch's idempotency key (the
// notify Message.ID), or, without one, of the group's finding ids and
// counts, so a retried batch overwrites its objects instead of adding
// copies. A finding without updatedAt is filed by createdAt, and one
// without either under 1970/01/01; an empty account or region becomes
// "unknown", and characters other than letters, digits, '-' and '_' in
// them become '_'.
//
// # ASFF (Security Hub, schema 2018-10-08)
//
//	SchemaVersion      "2018-10-08"
//	Id                 arn (rebuilt from partition, region, account, detector and id when empty)
//	ProductArn         arn:<partition>:securityhub:<region>::product/aws/guardduty
//	GeneratorId        arn:<partition>:guardduty:<region>:<account>:detector/<detectorId> (the type without a detector)
//	AwsAccountId, Region
//	Types              "<namespace>/<category>/<type with '/' as '-'>", the namespace and category
//	                   from the threat purpose (the part before ':'), as GuardDuty's Security Hub
//	                   integration names them: Recon → TTPs/Discovery, UnauthorizedAccess →
//	                   TTPs/Initial Access, Backdoor, Trojan, CryptoCurrency → TTPs/Command and Control,
//	                   Stealth → TTPs/Defense Evasion, Exfiltration → Effects/Data Exfiltration,
//	                   Policy → Software and Configuration Checks/AWS Security Best Practices,
//	                   Behavior → Unusual Behaviors/<VM|User|Data|Container|Serverless|Database>, …;
//	                   the few types GuardDuty files elsewhere (DropPoint → Effects/Data Exfiltration,
//	                   TorClient → Effects/Resource Consumption, …) follow GuardDuty's table. Types
//	                   named AnomalousBehavior or .Unusual also get an Unusual Behaviors type.
//	FindingProviderFields  Types and Severity{Label, Original}, as GuardDuty sends them
//	CreatedAt, UpdatedAt           createdAt, updatedAt
//	FirstObservedAt, LastObservedAt service.eventFirstSeen, service.eventLastSeen
//	Severity           Product = severity, Original = severity as text, Label = its band
//	                   (LOW, MEDIUM, HIGH, CRITICAL), Normalized = severity×10 kept inside the
//	                   band's 1–39, 40–69, 70–89, 90–100
//	Title, Description title (the type when empty, ≤256 runes), description (the title when
//	                   empty, ≤1024 runes)
//	ProductFields      service flattened as "aws/guardduty/service/<path>" with array elements as
//	                   "name.<i>_" (GuardDuty's own keys); at most 50 pairs, shallow keys first, keys
//	                   ≤128 characters, values ≤2048
//	Resources          AccessKey → AwsIamAccessKey "AWS::IAM::AccessKey:<id>"; Instance →
//	                   AwsEc2Instance (instance ARN); each bucket → AwsS3Bucket and each object →
//	                   AwsS3Object; Lambda → AwsLambdaFunction; with Partition, Region, Tags and
//	                   Details; "Other" when the finding names no resource (at most 32)
//	Network            from the action: direction IN/OUT, protocol, remote and local address and
//	                   port of a connection or probe; the domain of a DNS request; the caller's
//	                   address of an API call
//	Action             GuardDuty's action (API call, connection, port probe, DNS request)
//	Threats            malware threats and the paths they were found at
//	Sample             true for sample findings (additionalInfo "sample": true)
//	RecordState        ACTIVE, or ARCHIVED when service.archived
//	Workflow.Status    NEW
//
// ProductName and CompanyName are left for Security Hub to fill.
//
// # OCSF (Detection Finding, class 2004, schema 1.1.0)
//
//	class_uid 2004, category_uid 2, activity_id 1 Create (count 1 and never updated) or 2 Update,
//	type_uid 200401 or 200402, with their names
//	time               updatedAt in epoch milliseconds (createdAt when empty)
//	severity_id        Low 2, Medium 3, High 4, Critical 5, with severity
//	status_id          1 New, or 3 Suppressed when archived (OCSF 1.1.0 has no Archived)
//	count, start_time, end_time  service.count, eventFirstSeen, eventLastSeen
//	message            the title
//	metadata           version "1.1.0", product{name "Vigil", vendor_name "Vigil"}, profiles ["cloud"]
//	finding_info       uid = arn, title, desc, types [type], created_time, modified_time,
//	                   first_seen_time, last_seen_time
//	cloud              provider "AWS", region, account{uid, type_id 10 "AWS Account"}
//	resources          the ASFF resources as {uid, name, type, region, cloud_partition, labels, data}
//	evidences          API call → api{operation, service{name}}, actor{user}, src_endpoint;
//	                   connection → connection_info{protocol_name, direction_id}, src_endpoint,
//	                   dst_endpoint; port probe → one per probe; DNS request → query{hostname};
//	                   malware → file{name, path, hashes}
//	observables        remote addresses (IP Address), domains (Hostname) and resource uids
//
// Endpoints carry ip, port, location{city, country (ISO code), coordinates [lon, lat]} and
// autonomous_system{number, name} when GuardDuty's remoteIpDetails have them.
package export
