package simulate

// The benign API catalogue. Nothing here may be an API that a detector rule
// watches (see attacks.go); harmless reads of the same resources are fine.
var (
	describeInstances = def("ec2", "DescribeInstances", fRead, fillDescribeInstances)
	hugeDescribe      = def("ec2", "DescribeInstances", fRead, fillHugeDescribe)
	describeTags      = def("ec2", "DescribeTags", fRead, fillDescribeTags)
	getCallerIdentity = def("sts", "GetCallerIdentity", fRead, static(""))
	getObject         = def("s3", "GetObject", fRead|fData, s3Object)
	putObject         = def("s3", "PutObject", fData, s3Object)
	listObjects       = def("s3", "ListObjects", fRead|fData, fillListObjects)
	getBucketAcl      = def("s3", "GetBucketAcl", fRead, s3Bucket("acl"))
	getBucketPolicy   = def("s3", "GetBucketPolicy", fRead, s3Bucket("policy"))
	getRole           = def("iam", "GetRole", fRead|fGlobal, fillRoleName)
	listAttached      = def("iam", "ListAttachedRolePolicies", fRead|fGlobal, fillRoleName)
	decrypt           = def("kms", "Decrypt", fRead, fillDecrypt)
	generateDataKey   = def("kms", "GenerateDataKey", fRead, fillGenerateDataKey)
	createLogStream   = def("logs", "CreateLogStream", 0, fillCreateLogStream)
	getSecretValue    = def("secretsmanager", "GetSecretValue", fRead, static(`{"secretId":"prod/app/db"}`))
	getParameter      = def("ssm", "GetParameter", fRead, static(`{"name":"/app/prod/db_host","withDecryption":false}`))
)

// peopleAPIs are what people and their scripts call.
var peopleAPIs = []weighted{
	{8, describeInstances},
	{3, def("ec2", "DescribeSecurityGroups", fRead, static(`{"securityGroupSet":{},"securityGroupIdSet":{},"filterSet":{}}`))},
	{2, def("ec2", "DescribeVolumes", fRead, static(`{"volumeSet":{},"filterSet":{}}`))},
	{2, def("ec2", "DescribeVpcs", fRead, static(`{"vpcSet":{},"filterSet":{}}`))},
	{2, def("ec2", "DescribeSubnets", fRead, static(`{"subnetSet":{},"filterSet":{}}`))},
	{1, def("ec2", "DescribeRegions", fRead, static(`{"regionSet":{}}`))},
	{1, def("ec2", "DescribeAvailabilityZones", fRead, static(`{"availabilityZoneSet":{},"availabilityZoneIdSet":{}}`))},
	{1, def("ec2", "DescribeFlowLogs", fRead, static(`{"DescribeFlowLogsRequest":{"MaxResults":100}}`))},
	{1, def("ec2", "CreateTags", 0, fillCreateTags)},
	{5, def("s3", "ListBuckets", fRead, fillListBuckets)},
	{2, def("s3", "GetBucketLocation", fRead, s3Bucket("location"))},
	{1, getBucketPolicy},
	{1, getBucketAcl},
	{1, def("s3", "GetBucketEncryption", fRead, s3Bucket("encryption"))},
	{1, def("s3", "GetBucketVersioning", fRead, s3Bucket("versioning"))},
	{1, def("s3", "GetBucketPublicAccessBlock", fRead, s3Bucket("publicAccessBlock"))},
	{1, def("s3", "GetBucketLogging", fRead, s3Bucket("logging"))},
	{10, getObject},
	{4, putObject},
	{4, listObjects},
	{2, def("s3", "HeadObject", fRead|fData, s3Object)},
	{6, getCallerIdentity},
	{3, def("iam", "ListUsers", fRead|fGlobal, static(""))},
	{2, def("iam", "ListRoles", fRead|fGlobal, static(`{"maxItems":100}`))},
	{2, def("iam", "GetUser", fRead|fGlobal, fillUserName)},
	{2, getRole},
	{1, listAttached},
	{1, def("iam", "ListPolicies", fRead|fGlobal, static(`{"scope":"Local","onlyAttached":false,"policyUsageFilter":"PermissionsPolicy"}`))},
	{1, def("iam", "GetAccountSummary", fRead|fGlobal, static(""))},
	{1, def("iam", "ListAccessKeys", fRead|fGlobal, fillUserName)},
	{1, def("iam", "GetAccountPasswordPolicy", fRead|fGlobal, static(""))},
	{1, def("iam", "ListMFADevices", fRead|fGlobal, fillUserName)},
	{2, def("kms", "DescribeKey", fRead, fillKeyID)},
	{1, def("kms", "ListAliases", fRead, static(""))},
	{3, def("monitoring", "GetMetricData", fRead, fillGetMetricData)},
	{2, def("monitoring", "DescribeAlarms", fRead, static(`{"maxRecords":100}`))},
	{1, def("monitoring", "ListMetrics", fRead, static(`{"namespace":"AWS/EC2"}`))},
	{2, def("logs", "DescribeLogGroups", fRead, static(`{"limit":50}`))},
	{2, def("lambda", "ListFunctions20150331", fRead, static(""))},
	{1, def("lambda", "GetFunctionConfiguration20150331v2", fRead, fillFunctionName)},
	{1, def("cloudtrail", "DescribeTrails", fRead, static(`{"trailNameList":[],"includeShadowTrails":true}`))},
	{1, def("cloudtrail", "GetTrailStatus", fRead, fillTrailName("name"))},
	{1, def("cloudtrail", "GetEventSelectors", fRead, fillTrailName("trailName"))},
	{1, def("cloudtrail", "LookupEvents", fRead, static(`{"maxResults":50,"lookupAttributes":[{"attributeKey":"EventName","attributeValue":"ConsoleLogin"}]}`))},
	{1, def("guardduty", "ListDetectors", fRead, static(""))},
	{1, def("guardduty", "GetDetector", fRead, fillDetector(""))},
	{1, def("guardduty", "ListFindings", fRead, fillDetector(`"maxResults":50,"sortCriteria":{"attributeName":"updatedAt","orderBy":"DESC"}`))},
	{2, getParameter},
	{1, def("organizations", "DescribeOrganization", fRead|fGlobal, static(""))},
	{1, def("route53resolver", "ListResolverQueryLogConfigs", fRead, static(`{"maxResults":10}`))},
}

// Pools by caller.
var (
	humanPool   = newPool(peopleAPIs...)
	consolePool = humanPool
	userPool    = newPool(join(peopleAPIs, []weighted{{4, def("sts", "AssumeRole", fRead, fillAssumeRole)}})...)
	loginPool   = newPool(weighted{1, def("signin", "ConsoleLogin", fGlobal, fillConsoleLogin)})

	instancePool = newPool(
		weighted{10, getObject}, weighted{6, putObject}, weighted{2, listObjects},
		weighted{6, def("ssm", "UpdateInstanceInformation", 0, fillUpdateInstanceInformation)},
		weighted{3, createLogStream}, weighted{4, decrypt}, weighted{2, generateDataKey},
		weighted{3, getSecretValue}, weighted{2, getCallerIdentity}, weighted{2, describeTags},
		weighted{1, describeInstances}, weighted{2, getParameter},
		weighted{2, def("ecr", "GetAuthorizationToken", fRead, static(""))},
	)
	lambdaPool = newPool(
		weighted{6, decrypt}, weighted{6, getObject}, weighted{4, putObject},
		weighted{3, createLogStream}, weighted{2, getSecretValue},
	)
	configPool = newPool(
		weighted{3, describeInstances}, weighted{2, getBucketAcl}, weighted{1, getBucketPolicy},
		weighted{1, getRole}, weighted{1, listAttached},
	)
	servicePool = newPool(
		weighted{6, def("sts", "AssumeRole", fRead, fillServiceAssumeRole)},
		weighted{2, def("s3", "GetBucketAcl", fRead, fillCloudTrailBucketAcl)},
		weighted{2, def("kms", "GenerateDataKey", fRead, fillCloudTrailDataKey)},
	)
	partnerPool = newPool(
		weighted{5, getObject}, weighted{2, listObjects},
		weighted{2, def("sts", "AssumeRole", fRead, fillPartnerAssumeRole)},
	)
	ssoPool = newPool(
		weighted{3, def("sso", "ListAccounts", fRead, static(`{"maxResults":100}`))},
		weighted{3, def("sso", "ListAccountRoles", fRead, fillRoleCredentials)},
		weighted{2, def("sso", "GetRoleCredentials", fRead, fillRoleCredentials)},
	)
	eventPool = newPool(weighted{1, def("kms", "RotateKey", 0, fillRotateKey)})
)
