package simulate

// Parameters of the attack records. Benign traffic never uses these.

// weakPasswordPolicy weakens three settings of the baseline (length 14 ->
// 8, symbols and upper case no longer required): a Medium finding.
const weakPasswordPolicy = `{"minimumPasswordLength":8,"requireSymbols":false,"requireNumbers":true,` +
	`"requireUppercaseCharacters":false,"requireLowercaseCharacters":true,"allowUsersToChangePassword":true,` +
	`"maxPasswordAge":90,"passwordReusePrevention":24,"hardExpiry":false}`

const (
	s3xmlns     = "http://s3.amazonaws.com/doc/2006-03-01/"
	pabAllFalse = `{"xmlns":"` + s3xmlns + `","RestrictPublicBuckets":false,"BlockPublicPolicy":false,"BlockPublicAcls":false,"IgnorePublicAcls":false}`
)

func fillRootLogin(g *gen) {
	g.rec.eventType = "AwsConsoleSignIn"
	g.rec.resp.raw("", `{"ConsoleLogin":"Success"}`)
	g.rec.extra.raw("", `{"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true","MobileVersion":"No","MFAUsed":"No"}`)
	g.rec.tlsHost = ""
}

// targetBucket is the bucket attacks aim at: the account's data bucket.
func (g *gen) targetBucket() (name, arn string) { return g.a.buckets[0], g.a.bucketARN[0] }

func fillTargetBucket(sub string) func(*gen) {
	return func(g *gen) {
		b, arn := g.targetBucket()
		g.s3Params(sub, b, arn)
		g.s3Extra(0, 0)
	}
}

// s3Write writes {sub:"", bucketName, Host, key: raw} for a bucket-level write.
func (g *gen) s3Write(sub, key, raw string) {
	b, arn := g.targetBucket()
	g.s3Params(sub, b, arn)
	p := &g.rec.params
	p.b = append(p.b[:len(p.b)-2], ',')
	p.raw(key, raw)
	p.end()
	g.s3Extra(int64(len(raw)), 0)
}

func fillBucketPABOff(g *gen) {
	g.s3Write("publicAccessBlock", "PublicAccessBlockConfiguration", pabAllFalse)
}

func fillAccountPABOff(g *gen) {
	p := &g.rec.params
	p.open("")
	p.raw("PublicAccessBlockConfiguration", pabAllFalse)
	p.strs("Host", g.a.id, ".s3-control.", g.region, ".amazonaws.com")
	p.str("x-amz-account-id", g.a.id)
	p.end()
	g.rec.tlsHost = g.a.id + ".s3-control." + g.region + ".amazonaws.com"
	g.s3Extra(int64(len(pabAllFalse)), 0)
}

func fillPublicPolicy(g *gen) {
	b, _ := g.targetBucket()
	g.s3Write("policy", "bucketPolicy", `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow",`+
		`"Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::`+b+`/*"}]}`)
}

func fillAuthenticatedUsersACL(g *gen) {
	owner := hashString(mix(g.e.seed)^0xac1, hexAlphabet, 64)
	xsi := `"xmlns:xsi":"http://www.w3.org/2001/XMLSchema-instance"`
	g.s3Write("acl", "AccessControlPolicy", `{"AccessControlList":{"Grant":[`+
		`{"Grantee":{"xsi:type":"CanonicalUser",`+xsi+`,"ID":"`+owner+`"},"Permission":"FULL_CONTROL"},`+
		`{"Grantee":{"xsi:type":"Group",`+xsi+`,"URI":"http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},"Permission":"READ"}]},`+
		`"xmlns":"`+s3xmlns+`","Owner":{"ID":"`+owner+`"}}`)
}

func fillLoggingOff(g *gen) {
	g.s3Write("logging", "BucketLoggingStatus", `{"xmlns":"`+s3xmlns+`"}`)
}

func fillDeleteFlowLogs(g *gen) {
	id := "fl-0" + hashString(g.e.seed^0xf10, hexAlphabet, 16)
	g.rec.params.raw("", `{"DeleteFlowLogsRequest":{"FlowLogId":{"content":"`+id+`","tag":1}}}`)
	q := &g.rec.resp
	q.open("")
	q.open("DeleteFlowLogsResponse")
	q.str("xmlns", "http://ec2.amazonaws.com/doc/2016-11-15/")
	q.key("requestId")
	q.b = append(appendUUID(append(q.b, '"'), g.r), '"', ',')
	q.str("unsuccessful", "")
	q.end()
	q.end()
}

func fillDeleteQueryLogConfig(g *gen) {
	id := "rqlc-" + hashString(g.e.seed^0xd45, hexAlphabet, 16)
	g.rec.params.raw("", `{"resolverQueryLogConfigId":"`+id+`"}`)
	q := &g.rec.resp
	q.open("")
	q.open("resolverQueryLogConfig")
	q.str("id", id)
	q.str("ownerId", g.a.id)
	q.str("status", "DELETING")
	q.str("name", "vpc-dns-query-logs")
	q.strs("arn", "arn:aws:route53resolver:", g.region, ":", g.a.id, ":resolver-query-log-config/", id)
	q.end()
	q.end()
}

func fillDeleteThreatIntelSet(g *gen) {
	fillDetector(`"threatIntelSetId":"` + hashString(g.e.seed^0x7157, hexAlphabet, 32) + `"`)(g)
}

// fillFailedLeave: LeaveOrganization denied; an attempt still counts.
func fillFailedLeave(g *gen) {
	g.rec.errCode = "AccessDeniedException"
	g.rec.errMsg = "You don't have permissions to access this resource."
}
