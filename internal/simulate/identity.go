package simulate

// appendJSON renders userIdentity as CloudTrail does for each identity type.
func (w *identity) appendJSON(b []byte) []byte {
	j := js{b: b}
	j.open("")
	if w.typ != "" {
		j.str("type", w.typ)
	}
	switch w.typ {
	case "IAMUser":
		j.str("principalId", w.p.id)
		j.str("arn", w.p.arn)
	case "AssumedRole":
		j.strs("principalId", w.p.id, ":", w.session)
		j.strs("arn", "arn:aws:sts::", w.account, ":assumed-role/", w.p.name, "/", w.session)
	case "FederatedUser":
		j.strs("principalId", w.account, ":", w.session)
		j.strs("arn", "arn:aws:sts::", w.account, ":federated-user/", w.session)
	case "Root":
		j.str("principalId", w.account)
		j.strs("arn", "arn:aws:iam::", w.account, ":root")
	case "AWSAccount":
		j.str("principalId", w.principalID)
	}
	if w.typ != "AWSService" {
		j.str("accountId", w.account)
	}
	if w.key != "" {
		j.str("accessKeyId", w.key)
	}
	if w.typ == "IAMUser" {
		j.str("userName", w.p.name)
	}
	w.appendTail(&j)
	j.end()
	return j.bytes()
}

// appendTail writes the fields after userName.
func (w *identity) appendTail(j *js) {
	if w.sessCtx {
		w.appendSession(j)
	}
	if w.invokedBy != "" {
		j.str("invokedBy", w.invokedBy)
	}
	if w.assumedRoot {
		j.str("assumedRoot", "true")
	}
	if w.typ == "IdentityCenterUser" {
		j.open("onBehalfOf")
		j.str("userId", w.onBehalfUser)
		j.strs("identityStoreArn", "arn:aws:identitystore::", w.account, ":identitystore/", w.storeID)
		j.end()
		j.str("credentialId", w.credentialID)
	}
}

func (w *identity) appendSession(j *js) {
	j.open("sessionContext")
	j.open("sessionIssuer")
	switch w.typ {
	case "AssumedRole":
		j.str("type", "Role")
		w.appendIssuer(j)
	case "FederatedUser":
		j.str("type", "IAMUser")
		w.appendIssuer(j)
	}
	j.end()
	if w.typ == "AssumedRole" || w.typ == "FederatedUser" {
		j.raw("webIdFederationData", "{}")
	}
	j.open("attributes")
	j.b = append(j.b, `"creationDate":"`...)
	j.b = w.session0.AppendFormat(j.b, timeLayout)
	j.b = append(j.b, '"', ',')
	if w.mfa {
		j.str("mfaAuthenticated", "true")
	} else {
		j.str("mfaAuthenticated", "false")
	}
	j.end()
	if w.ec2 {
		j.str("ec2RoleDelivery", "2.0")
	}
	j.end()
}

func (w *identity) appendIssuer(j *js) {
	j.str("principalId", w.p.id)
	j.str("arn", w.p.arn)
	j.str("accountId", w.account)
	j.str("userName", w.p.name)
}
