// Package simulate writes synthetic AWS CloudTrail telemetry for a simulated
// estate, with attacks injected at chosen times. It is the engine behind
// `vigil simulate` and the benchmark generator: detector tests, end-to-end
// tests and benchmarks read its output exactly as they would read logs that
// AWS delivered to an S3 bucket.
//
// The estate has N accounts (12-digit ids) with IAM users (AKIA keys), roles
// assumed by users and by EC2 instances through instance profiles (ASIA keys,
// sessionContext with sessionIssuer, ec2RoleDelivery "2.0"), Lambda
// functions, buckets, KMS keys and several regions. Run writes one
// `{"Records":[...]}` file per account, region and five-minute window (split
// when a window holds more than Options.EventsPerFile records) under
//
//	OUT/AWSLogs/[o-orgid/]<account>/CloudTrail/<region>/YYYY/MM/DD/
//	    <account>_CloudTrail_<region>_YYYYMMDDTHHMMZ_<16 alnum>.json[.gz]
//
// and a manifest (OUT/manifest.json) listing what it wrote and every
// injected attack record. Global services (IAM, sign-in, Organizations) are
// recorded in us-east-1, or in the first region when us-east-1 is not
// simulated; regional attacks happen in the first (home) region.
//
// Guarantees:
//   - Output is a pure function of Options: the same seed gives the same
//     bytes, whatever the number of CPUs.
//   - Memory does not grow with volume: records are generated and
//     compressed file by file, and the files of different cells are written
//     concurrently.
//   - Benign traffic never matches a CloudTrail detector rule
//     (see SupportedAttacks): it never uses a Root identity, never carries a
//     penetration-testing distribution in its user agent and never calls a
//     write API that a rule watches. Only injected attacks do, and each one
//     is listed in the manifest.
//
// The package must never talk to AWS or any network service, and never
// write outside Options.Out.
package simulate
