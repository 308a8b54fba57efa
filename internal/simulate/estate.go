package simulate

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// estate is the simulated AWS estate. It is built once from the seed and
// read concurrently while files are written, never modified.
type estate struct {
	seed     uint64
	regions  []string
	global   int // index of the region that receives global service events
	accounts []*account
	partners []string // account ids outside the estate that call into it
}

type account struct {
	id        string
	company   string
	users     []*principal   // IAM users (AKIA keys)
	roles     []*principal   // roles people assume
	svcRoles  []*principal   // service-linked roles (AWS Config)
	instances [][]*instance  // per region
	lambdas   [][]*principal // per region; lambda execution sessions
	buckets   []string
	bucketARN []string
	keys      []string // KMS key ARNs, one per region
	trail     string   // the account's trail ARN
	detector  string   // GuardDuty detector id
	storeID   string   // IAM Identity Center identity store id
	ssoUsers  []string // Identity Center user ids
}

// principal is an IAM user or role with its stable identifiers.
type principal struct {
	tag    uint64 // unique within the estate; derives session keys
	name   string
	id     string // AIDA... for users, AROA... for roles
	arn    string
	key    string     // AKIA key of a user
	ip     string     // where the person or program usually calls from
	tool   int        // index into userAgents
	issuer *principal // for lambda sessions: the execution role
}

type instance struct {
	tag               uint64
	id, ip, privateIP string
	hostname          string // ip-10-1-2-3.ec2.internal
	role              *principal
	tool              int
}

func newEstate(o Options) *estate {
	r := newRand(o.Seed, 1<<40)
	e := &estate{seed: o.Seed, regions: o.Regions}
	for i, reg := range o.Regions {
		if reg == "us-east-1" {
			e.global = i
		}
	}
	var tag uint64
	next := func() uint64 { tag++; return tag }
	seen := map[string]bool{}
	for range o.Accounts {
		a := newAccount(r, o, next)
		for seen[a.id] {
			a.id = randAccountID(r)
		}
		seen[a.id] = true
		e.accounts = append(e.accounts, a)
	}
	for range 4 {
		e.partners = append(e.partners, randAccountID(r))
	}
	return e
}

func newAccount(r *rand.Rand, o Options, next func() uint64) *account {
	a := &account{id: randAccountID(r), company: companies[r.IntN(len(companies))]}
	for i := range o.UsersPerAccount {
		name := personName(r, i)
		u := &principal{tag: next(), name: name, id: "AIDA" + randString(r, keyAlphabet, 17),
			arn: "arn:aws:iam::" + a.id + ":user/" + name, key: "AKIA" + randString(r, keyAlphabet, 16),
			ip: randPublicIP(r, peoplePrefixes), tool: r.IntN(len(userAgents))}
		a.users = append(a.users, u)
	}
	a.roles = roles(r, a.id, next, humanRoles)
	a.svcRoles = roles(r, a.id, next, []string{"aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"})
	instRoles := roles(r, a.id, next, instanceRoles)
	lambdaRoles := roles(r, a.id, next, []string{a.company + "-lambda-exec"})
	for _, region := range o.Regions {
		a.addRegion(r, region, next, instRoles, lambdaRoles[0])
	}
	for _, p := range bucketPurposes {
		a.buckets = append(a.buckets, a.company+"-"+p+"-"+a.id)
		a.bucketARN = append(a.bucketARN, "arn:aws:s3:::"+a.company+"-"+p+"-"+a.id)
	}
	a.trail = "arn:aws:cloudtrail:" + o.Regions[0] + ":" + a.id + ":trail/management-events"
	a.detector = randString(r, hexAlphabet, 32)
	a.storeID = "d-" + randString(r, "0123456789", 10)
	for range 3 {
		a.ssoUsers = append(a.ssoUsers, randString(r, "0123456789", 10)+"-"+randUUID(r))
	}
	return a
}

// addRegion adds the instances, functions and KMS key of one region.
func (a *account) addRegion(r *rand.Rand, region string, next func() uint64, instRoles []*principal, lambdaRole *principal) {
	var insts []*instance
	for range 3 + r.IntN(6) {
		in := &instance{tag: next(), id: "i-0" + randString(r, hexAlphabet, 16), ip: randPublicIP(r, ec2Prefixes),
			privateIP: fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 2+r.IntN(250)),
			role:      instRoles[r.IntN(len(instRoles))], tool: sdkTools[r.IntN(len(sdkTools))]}
		in.hostname = "ip-" + strings.ReplaceAll(in.privateIP, ".", "-") + ".ec2.internal"
		insts = append(insts, in)
	}
	a.instances = append(a.instances, insts)
	var fns []*principal
	for _, fn := range lambdaNames {
		fns = append(fns, &principal{tag: next(), name: a.company + "-" + fn, issuer: lambdaRole})
	}
	a.lambdas = append(a.lambdas, fns)
	a.keys = append(a.keys, "arn:aws:kms:"+region+":"+a.id+":key/"+randUUID(r))
}

func roles(r *rand.Rand, acct string, next func() uint64, names []string) []*principal {
	var out []*principal
	for _, n := range names {
		short := n[lastSlash(n)+1:]
		out = append(out, &principal{tag: next(), name: short, id: "AROA" + randString(r, keyAlphabet, 17),
			arn: "arn:aws:iam::" + acct + ":role/" + n, ip: randPublicIP(r, peoplePrefixes)})
	}
	return out
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

func personName(r *rand.Rand, i int) string {
	if i%4 == 3 {
		return serviceUsers[r.IntN(len(serviceUsers))] + fmt.Sprintf("-%d", i)
	}
	return firstNames[r.IntN(len(firstNames))] + "." + lastNames[r.IntN(len(lastNames))]
}

// Name pools. None contains the name of a penetration-testing distribution.
var (
	companies      = []string{"acme", "globex", "initech", "umbrella", "hooli", "vandelay", "tyrell", "wonka"}
	firstNames     = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy", "rupert", "sybil", "trent", "victor", "walter"}
	lastNames      = []string{"ng", "smith", "garcia", "muller", "rossi", "tanaka", "okafor", "silva", "novak", "jensen"}
	serviceUsers   = []string{"ci-deployer", "terraform", "backup-agent", "grafana-reader", "datadog-integration"}
	humanRoles     = []string{"OrganizationAccountAccessRole", "ReadOnly", "PowerUser", "DataEngineer"}
	instanceRoles  = []string{"app-server-role", "batch-worker-role", "bastion-role"}
	lambdaNames    = []string{"thumbnailer", "order-events", "nightly-report"}
	bucketPurposes = []string{"data", "assets", "logs", "backups", "analytics"}
)
