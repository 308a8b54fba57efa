package simulate

import (
	"strconv"
	"strings"
)

// Parameters of S3 calls: bucket-level management reads and object-level
// data events.

func (g *gen) bucket() (name, arn string) {
	i := g.r.IntN(len(g.a.buckets))
	return g.a.buckets[i], g.a.bucketARN[i]
}

// s3Params writes {sub:"", bucketName, Host} and the bucket resource.
func (g *gen) s3Params(sub, bucket, arn string) {
	p := &g.rec.params
	p.open("")
	if sub != "" {
		p.str(sub, "")
	}
	p.str("bucketName", bucket)
	p.strs("Host", bucket, ".s3.", g.region, ".amazonaws.com")
	p.end()
	if isIP(g.rec.ip) {
		g.rec.tlsHost = bucket + ".s3." + g.region + ".amazonaws.com"
	}
	g.rec.res = append(g.rec.res, resource{g.a.id, "AWS::S3::Bucket", arn})
}

// s3Extra writes S3's additionalEventData.
func (g *gen) s3Extra(in, out int64) {
	e := &g.rec.extra
	e.open("")
	e.str("SignatureVersion", "SigV4")
	e.str("CipherSuite", "TLS_AES_128_GCM_SHA256")
	e.num("bytesTransferredIn", in)
	e.str("AuthenticationMethod", "AuthHeader")
	e.key("x-amz-id-2")
	e.b = append(appendRand(append(e.b, '"'), g.r, base64Chars, 76), '"', ',')
	e.num("bytesTransferredOut", out)
	e.end()
}

// s3Bucket fills a bucket-level read such as GetBucketPolicy ({"policy":""}).
func s3Bucket(sub string) func(*gen) {
	return func(g *gen) {
		b, arn := g.bucket()
		g.s3Params(sub, b, arn)
		g.s3Extra(0, int64(200+g.r.IntN(1500)))
	}
}

// fillCloudTrailBucketAcl: CloudTrail checks its log bucket before delivery.
func fillCloudTrailBucketAcl(g *gen) {
	g.by("cloudtrail.amazonaws.com")
	g.s3Params("acl", g.a.buckets[2], g.a.bucketARN[2])
	g.s3Extra(0, 1024)
}

func fillListBuckets(g *gen) {
	p := &g.rec.params
	p.open("")
	p.strs("Host", "s3.", g.region, ".amazonaws.com")
	p.end()
	if isIP(g.rec.ip) {
		g.rec.tlsHost = "s3.amazonaws.com"
	}
	g.s3Extra(0, int64(1000+g.r.IntN(4000)))
}

var objectPrefixes = []struct{ dir, ext string }{
	{"exports/2025/part-", ".parquet"},
	{"images/thumb-", ".jpg"},
	{"reports/daily-", ".csv"},
	{"backups/db-", ".sql.gz"},
	{"models/checkpoint-", ".bin"},
}

// s3Object fills a data event on one object (GetObject, PutObject, HeadObject).
func s3Object(g *gen) {
	b, arn := g.bucket()
	o := objectPrefixes[g.r.IntN(len(objectPrefixes))]
	key := o.dir + strconv.Itoa(g.r.IntN(100000)) + o.ext
	g.s3Params("", b, arn)
	p := &g.rec.params
	p.b = p.b[:len(p.b)-2] // reopen the object: drop "},"
	p.b = append(p.b, ',')
	p.str("key", key)
	p.end()
	g.rec.res = append(g.rec.res[:0], resource{"", "AWS::S3::Object", arn + "/" + key}, g.rec.res[0])
	size := int64(1 + g.r.IntN(5_000_000))
	if g.rec.name == "PutObject" {
		g.s3Extra(size, 0)
		g.rec.resp.raw("", `{"x-amz-server-side-encryption":"AES256"}`)
		return
	}
	g.s3Extra(0, size)
}

func fillListObjects(g *gen) {
	b, arn := g.bucket()
	p := &g.rec.params
	p.open("")
	p.str("list-type", "2")
	p.str("bucketName", b)
	p.str("encoding-type", "url")
	dir := objectPrefixes[g.r.IntN(len(objectPrefixes))].dir
	p.str("prefix", dir[:strings.IndexByte(dir, '/')+1])
	p.strs("Host", b, ".s3.", g.region, ".amazonaws.com")
	p.end()
	if isIP(g.rec.ip) {
		g.rec.tlsHost = b + ".s3." + g.region + ".amazonaws.com"
	}
	g.rec.res = append(g.rec.res, resource{g.a.id, "AWS::S3::Bucket", arn})
	g.s3Extra(0, int64(500+g.r.IntN(50000)))
}
