// Package all imports every built-in detector package for its side
// effect of registering detectors, so that a binary gets them all with one
// blank import:
//
//	import _ "github.com/vigil-sec/vigil/internal/detect/all"
//
// It holds no code of its own; a new detector package is added here.
package all

import (
	_ "github.com/vigil-sec/vigil/internal/detect/defense" // DefenseImpairment signals
	_ "github.com/vigil-sec/vigil/internal/detect/ec2"     // network and DNS findings (EC2 and Lambda)
	_ "github.com/vigil-sec/vigil/internal/detect/iam"     // IAM-entity findings
	_ "github.com/vigil-sec/vigil/internal/detect/s3"      // S3 bucket findings
)
