package simulate

// uaFamily is a client's user agent: a fixed prefix, then, for the AWS CLI
// the command and for the Go SDK the service, as those clients write them.
type uaFamily struct {
	prefix string
	suffix int
}

const (
	sufNone = iota
	sufCLI  // "ec2.describe-instances"
	sufSDK  // "ec2#1.40.2"
)

// userAgents are the tools people and programs use. None names a
// penetration-testing distribution; attacks.go has those.
var userAgents = []uaFamily{
	{"aws-cli/2.15.30 Python/3.11.8 Linux/5.15.0-1051-aws exe/x86_64.ubuntu.22 prompt/off command/", sufCLI},
	{"aws-cli/2.22.4 md/awscrt#0.22.0 ua/2.1 os/linux#6.8.0-1019-aws md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off md/command#", sufCLI},
	{"aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/macos#23.5.0 md/arch#arm64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#", sufCLI},
	{"Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69", sufNone},
	{"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/", sufSDK},
	{"APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) terraform-provider-aws/5.64.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.30.4 ua/2.1 os/linux lang/go#1.22.6 md/GOOS#linux md/GOARCH#amd64 api/", sufSDK},
	{"aws-sdk-java/2.25.16 Linux/5.10.214-202.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_EC2 io/sync http/Apache cfg/retry-mode/legacy", sufNone},
}

// sdkTools index userAgents: what programs on instances use.
var sdkTools = []int{3, 4, 6}

const (
	lambdaUA    = "Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.224-241.878.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.5 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.145"
	ssmAgentUA  = "aws-sdk-go/1.44.260 (go1.20.12; linux; amd64) amazon-ssm-agent/3.3.131.0"
	consoleUA   = "console.amazonaws.com"
	s3ConsoleUA = "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.750 Linux/5.10.223-190.873.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.412-b09 java/1.8.0_412 vendor/Oracle_Corporation cfg/retry-mode/standard]"
	browserUA   = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
	awsInternal = "AWS Internal"
)

// appendUA writes tool's user agent for a call of api. S3 writes user
// agents in brackets.
func appendUA(b []byte, f uaFamily, api *apiDef) []byte {
	s3 := api.source == "s3.amazonaws.com"
	if s3 {
		b = append(b, '[')
	}
	b = append(b, f.prefix...)
	switch f.suffix {
	case sufCLI:
		b = append(b, api.cli...)
	case sufSDK:
		b = append(b, api.sdk...)
		b = append(b, "#1.40.2"...)
	}
	if s3 {
		b = append(b, ']')
	}
	return b
}
