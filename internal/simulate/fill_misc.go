package simulate

// Parameters of KMS, CloudWatch, Logs, Lambda, CloudTrail, GuardDuty, SSM,
// Secrets Manager, IAM Identity Center and sign-in calls.

func (g *gen) key() string { return g.a.keys[g.ri] }

func (g *gen) keyResource() {
	g.rec.res = append(g.rec.res, resource{g.a.id, "AWS::KMS::Key", g.key()})
}

func fillKeyID(g *gen) {
	g.rec.params.open("")
	g.rec.params.str("keyId", g.key())
	g.rec.params.end()
	g.keyResource()
}

func fillDecrypt(g *gen) {
	p := &g.rec.params
	p.open("")
	p.str("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
	if fn := g.function; fn != nil {
		// Lambda decrypting environment variables: the call comes from AWS.
		p.open("encryptionContext")
		p.str("LambdaFunctionName", fn.name)
		p.end()
		g.rec.ip = awsInternal
		g.rec.ua.reset()
		g.rec.ua.b = append(g.rec.ua.b, awsInternal...)
	}
	p.end()
	g.keyResource()
}

func fillGenerateDataKey(g *gen) {
	p := &g.rec.params
	p.open("")
	p.str("keyId", g.key())
	p.str("keySpec", "AES_256")
	p.open("encryptionContext")
	_, arn := g.bucket()
	p.str("aws:s3:arn", arn)
	p.end()
	p.end()
	g.keyResource()
}

// fillCloudTrailDataKey: CloudTrail encrypting a log file.
func fillCloudTrailDataKey(g *gen) {
	g.by("cloudtrail.amazonaws.com")
	p := &g.rec.params
	p.open("")
	p.str("keyId", g.key())
	p.open("encryptionContext")
	p.str("aws:cloudtrail:arn", g.a.trail)
	p.strs("aws:s3:arn", g.a.bucketARN[2], "/AWSLogs/", g.a.id, "/CloudTrail/", g.region, "/")
	p.end()
	p.str("keySpec", "AES_256")
	p.end()
	g.keyResource()
}

// fillRotateKey: KMS rotating a key on its schedule (AwsServiceEvent).
func fillRotateKey(g *gen) {
	g.rec.extra.open("")
	g.rec.extra.str("keyId", g.key()[len(g.key())-36:])
	g.rec.extra.end()
	g.rec.details.raw("", `{"keyOrigin":"AWS_KMS","keyRotationMode":"AUTOMATIC"}`)
	g.keyResource()
}

func fillGetMetricData(g *gen) {
	p := &g.rec.params
	p.open("")
	p.openArr("metricDataQueries")
	p.open("")
	p.str("id", "m1")
	p.b = append(p.b, `"metricStat":{"metric":{"namespace":"AWS/EC2","metricName":"CPUUtilization","dimensions":[{"name":"InstanceId","value":"`...)
	p.b = append(p.b, g.anyInstance().id...)
	p.b = append(p.b, `"}]},"period":300,"stat":"Average"},`...)
	p.end()
	p.endArr()
	p.key("startTime")
	p.b = append(g.rec.t.Add(-3*3600e9).AppendFormat(append(p.b, '"'), timeLayout), '"', ',')
	p.key("endTime")
	p.b = append(g.rec.t.AppendFormat(append(p.b, '"'), timeLayout), '"', ',')
	p.end()
}

func (g *gen) anyFunction() *principal {
	if g.function != nil {
		return g.function
	}
	fns := g.a.lambdas[g.ri]
	return fns[g.r.IntN(len(fns))]
}

func fillCreateLogStream(g *gen) {
	p := &g.rec.params
	p.open("")
	if g.instance == nil {
		fn := g.anyFunction()
		p.strs("logGroupName", "/aws/lambda/", fn.name)
		p.key("logStreamName")
		p.b = g.rec.t.AppendFormat(append(p.b, '"'), "2006/01/02")
		p.b = append(appendRand(append(p.b, "/[$LATEST]"...), g.r, hexAlphabet, 32), '"', ',')
	} else {
		p.str("logGroupName", "/ec2/app")
		p.str("logStreamName", g.instance.id)
	}
	p.end()
}

func fillFunctionName(g *gen) {
	g.rec.params.open("")
	g.rec.params.str("functionName", g.anyFunction().name)
	g.rec.params.end()
}

func fillTrailName(key string) func(*gen) {
	return func(g *gen) {
		g.rec.params.open("")
		g.rec.params.str(key, g.a.trail)
		g.rec.params.end()
	}
}

func fillDetector(extra string) func(*gen) {
	return func(g *gen) {
		p := &g.rec.params
		p.open("")
		p.str("detectorId", g.a.detector)
		if extra != "" {
			p.b = append(p.b, extra...)
			p.b = append(p.b, ',')
		}
		p.end()
	}
}

func fillUpdateInstanceInformation(g *gen) {
	in := g.anyInstance()
	g.rec.ua.reset()
	g.rec.ua.b = append(g.rec.ua.b, ssmAgentUA...)
	p := &g.rec.params
	p.open("")
	p.str("instanceId", in.id)
	p.str("agentVersion", "3.3.131.0")
	p.str("agentStatus", "Active")
	p.str("platformType", "Linux")
	p.str("platformName", "Amazon Linux")
	p.str("platformVersion", "2023")
	p.str("iPAddress", in.privateIP)
	p.str("computerName", in.hostname)
	p.str("agentName", "amazon-ssm-agent")
	p.strs("availabilityZone", g.region, "a")
	p.end()
}

func fillRoleCredentials(g *gen) {
	p := &g.rec.params
	p.open("")
	p.str("roleName", g.a.roles[1].name)
	p.str("accountId", g.a.id)
	p.end()
}

func fillConsoleLogin(g *gen) {
	g.rec.eventType = "AwsConsoleSignIn"
	g.rec.resp.raw("", `{"ConsoleLogin":"Success"}`)
	g.rec.extra.raw("", `{"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true","MobileVersion":"No","MFAUsed":"Yes"}`)
	g.rec.tlsHost = ""
}
