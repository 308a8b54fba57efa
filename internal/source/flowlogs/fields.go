package flowlogs

import "strings"

// field is a flow log field, as named in a format's header.
type field uint8

// The fields of VPC and Transit Gateway flow log records. Fields that
// event.Flow has no place for are known, so that a header naming them is
// valid, and their values are checked where the log defines a type.
const (
	fNone field = iota // not a flow log field
	// Version 2: the default format.
	fVersion
	fAccountID
	fInterfaceID
	fSrcAddr
	fDstAddr
	fSrcPort
	fDstPort
	fProtocol
	fPackets
	fBytes
	fStart
	fEnd
	fAction
	fLogStatus
	// Version 3.
	fVpcID
	fSubnetID
	fInstanceID
	fTCPFlags
	fType
	fPktSrcAddr
	fPktDstAddr
	// Version 4.
	fRegion
	fAZID
	fSublocationType
	fSublocationID
	// Version 5.
	fPktSrcService
	fPktDstService
	fFlowDirection
	fTrafficPath
	// Version 7: Amazon ECS metadata, not kept.
	fECSClusterARN
	fECSClusterName
	fECSContainerInstanceARN
	fECSContainerInstanceID
	fECSContainerID
	fECSSecondContainerID
	fECSServiceName
	fECSTaskDefinitionARN
	fECSTaskARN
	fECSTaskID
	// Version 8.
	fRejectReason
	// Later versions, not kept.
	fResourceID
	fEncryptionStatus
	// Transit Gateway flow logs (version 6).
	fResourceType
	fTGWID
	fTGWAttachmentID
	fTGWSrcVpcAccountID
	fTGWDstVpcAccountID
	fTGWSrcVpcID
	fTGWDstVpcID
	fTGWSrcSubnetID
	fTGWDstSubnetID
	fTGWSrcENI
	fTGWDstENI
	fTGWSrcAZID
	fTGWDstAZID
	fTGWPairAttachmentID
	fPacketsLostNoRoute
	fPacketsLostBlackhole
	fPacketsLostMTUExceeded
	fPacketsLostTTLExpired
	numFields
)

// fieldNames are the names of the fields as a text header gives them;
// Parquet columns use the same names with '_' for '-'.
var fieldNames = [numFields]string{
	fVersion:                 "version",
	fAccountID:               "account-id",
	fInterfaceID:             "interface-id",
	fSrcAddr:                 "srcaddr",
	fDstAddr:                 "dstaddr",
	fSrcPort:                 "srcport",
	fDstPort:                 "dstport",
	fProtocol:                "protocol",
	fPackets:                 "packets",
	fBytes:                   "bytes",
	fStart:                   "start",
	fEnd:                     "end",
	fAction:                  "action",
	fLogStatus:               "log-status",
	fVpcID:                   "vpc-id",
	fSubnetID:                "subnet-id",
	fInstanceID:              "instance-id",
	fTCPFlags:                "tcp-flags",
	fType:                    "type",
	fPktSrcAddr:              "pkt-srcaddr",
	fPktDstAddr:              "pkt-dstaddr",
	fRegion:                  "region",
	fAZID:                    "az-id",
	fSublocationType:         "sublocation-type",
	fSublocationID:           "sublocation-id",
	fPktSrcService:           "pkt-src-aws-service",
	fPktDstService:           "pkt-dst-aws-service",
	fFlowDirection:           "flow-direction",
	fTrafficPath:             "traffic-path",
	fECSClusterARN:           "ecs-cluster-arn",
	fECSClusterName:          "ecs-cluster-name",
	fECSContainerInstanceARN: "ecs-container-instance-arn",
	fECSContainerInstanceID:  "ecs-container-instance-id",
	fECSContainerID:          "ecs-container-id",
	fECSSecondContainerID:    "ecs-second-container-id",
	fECSServiceName:          "ecs-service-name",
	fECSTaskDefinitionARN:    "ecs-task-definition-arn",
	fECSTaskARN:              "ecs-task-arn",
	fECSTaskID:               "ecs-task-id",
	fRejectReason:            "reject-reason",
	fResourceID:              "resource-id",
	fEncryptionStatus:        "encryption-status",
	fResourceType:            "resource-type",
	fTGWID:                   "tgw-id",
	fTGWAttachmentID:         "tgw-attachment-id",
	fTGWSrcVpcAccountID:      "tgw-src-vpc-account-id",
	fTGWDstVpcAccountID:      "tgw-dst-vpc-account-id",
	fTGWSrcVpcID:             "tgw-src-vpc-id",
	fTGWDstVpcID:             "tgw-dst-vpc-id",
	fTGWSrcSubnetID:          "tgw-src-subnet-id",
	fTGWDstSubnetID:          "tgw-dst-subnet-id",
	fTGWSrcENI:               "tgw-src-eni",
	fTGWDstENI:               "tgw-dst-eni",
	fTGWSrcAZID:              "tgw-src-az-id",
	fTGWDstAZID:              "tgw-dst-az-id",
	fTGWPairAttachmentID:     "tgw-pair-attachment-id",
	fPacketsLostNoRoute:      "packets-lost-no-route",
	fPacketsLostBlackhole:    "packets-lost-blackhole",
	fPacketsLostMTUExceeded:  "packets-lost-mtu-exceeded",
	fPacketsLostTTLExpired:   "packets-lost-ttl-expired",
}

func (f field) String() string {
	if f < numFields && fieldNames[f] != "" {
		return fieldNames[f]
	}
	return "unknown field"
}

// tgwOnly reports whether a field appears only in Transit Gateway flow
// logs, so that a format naming it describes Transit Gateway records.
func (f field) tgwOnly() bool { return f >= fResourceType && f < numFields }

var fieldsByName = func() map[string]field {
	m := make(map[string]field, 2*numFields)
	for f := fVersion; f < numFields; f++ {
		m[fieldNames[f]] = f
		m[strings.ReplaceAll(fieldNames[f], "-", "_")] = f // Parquet column names
	}
	return m
}()

// lookupField returns the field a header or column name names, or fNone.
// Names are lower-case letters, '-' and '_': anything else, such as the
// first value of a record, is refused before the map is consulted.
func lookupField(name []byte) field {
	for _, c := range name {
		if (c < 'a' || c > 'z') && c != '-' && c != '_' {
			return fNone
		}
	}
	return fieldsByName[string(name)] // no allocation: a map index by string(b)
}

// maxFields bounds the columns of a format: the known fields, a margin
// for fields AWS adds later, and no more.
const maxFields = 128

// layout is a record format: the field of each column.
type layout struct {
	cols []field
	// tgw is set when the format names Transit Gateway fields: its
	// records are Transit Gateway records.
	tgw bool
	// what describes where the format comes from, for error messages:
	// "the default version 2 format", "the header on line 1", ...
	what string
}

func newLayout(cols []field, what string) *layout {
	l := &layout{cols: cols, what: what}
	for _, f := range cols {
		l.tgw = l.tgw || f.tgwOnly()
	}
	return l
}

// The default formats, used for files without a header. Transit Gateway's
// default format holds every field of versions 2 to 6, in the order of
// its documentation.
var (
	defaultV2 = newLayout([]field{
		fVersion, fAccountID, fInterfaceID, fSrcAddr, fDstAddr, fSrcPort, fDstPort,
		fProtocol, fPackets, fBytes, fStart, fEnd, fAction, fLogStatus,
	}, "the default version 2 format")
	defaultTGW = newLayout([]field{
		fVersion, fResourceType, fAccountID, fTGWID, fTGWAttachmentID,
		fTGWSrcVpcAccountID, fTGWDstVpcAccountID, fTGWSrcVpcID, fTGWDstVpcID,
		fTGWSrcSubnetID, fTGWDstSubnetID, fTGWSrcENI, fTGWDstENI, fTGWSrcAZID, fTGWDstAZID,
		fTGWPairAttachmentID, fSrcAddr, fDstAddr, fSrcPort, fDstPort, fProtocol,
		fPackets, fBytes, fStart, fEnd, fLogStatus, fType,
		fPacketsLostNoRoute, fPacketsLostBlackhole, fPacketsLostMTUExceeded, fPacketsLostTTLExpired,
		fTCPFlags, fRegion, fFlowDirection, fPktSrcService, fPktDstService,
	}, "the default Transit Gateway format")
)
