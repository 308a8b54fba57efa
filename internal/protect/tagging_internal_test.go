package protect

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
)

func tagSet(kv ...string) []types.Tag {
	var out []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[*t.Key] = *t.Value
	}
	return m
}

func TestMergeTag(t *testing.T) {
	var nine, ten []string
	for i := range 10 {
		if i < 9 {
			nine = append(nine, fmt.Sprint("k", i), "v")
		}
		ten = append(ten, fmt.Sprint("k", i), "v")
	}
	tests := []struct {
		name string
		in   []types.Tag
		want map[string]string // nil: nothing to write
	}{
		{"none", nil, map[string]string{TagKey: "THREATS_FOUND"}},
		{"kept", tagSet("team", "blue"), map[string]string{"team": "blue", TagKey: "THREATS_FOUND"}},
		{"ours replaced", tagSet(TagKey, "NO_THREATS_FOUND", "a", "b"), map[string]string{TagKey: "THREATS_FOUND", "a": "b"}},
		{"nine", tagSet(nine...), nil},
		{"ten with ours", tagSet(append(ten[:18:18], TagKey, "old")...), nil},
		{"ten", tagSet(ten...), nil},
	}
	tests[3].want = tagMap(append(tagSet(nine...), tagSet(TagKey, "THREATS_FOUND")...))
	tests[4].want = tagMap(tagSet(append(ten[:18:18], TagKey, "THREATS_FOUND")...))
	for _, tt := range tests {
		got, ok := mergeTag(tt.in, "THREATS_FOUND")
		if ok != (tt.want != nil) {
			t.Errorf("%s: mergeTag ok = %v, want %v", tt.name, ok, tt.want != nil)
			continue
		}
		if ok {
			if diff := cmp.Diff(tt.want, tagMap(got)); diff != "" || len(got) > MaxTags {
				t.Errorf("%s: mergeTag differs (-want +got):\n%s", tt.name, diff)
			}
		}
	}
}

func TestCopySource(t *testing.T) {
	tests := []struct{ bucket, key, version, want string }{
		{"b", "dir/file.txt", "", "b/dir/file.txt"},
		{"b", "with space/ü+plus 100%.txt", "", "b/with%20space/%C3%BC%2Bplus%20100%25.txt"},
		{"b", "k", "v1+x", "b/k?versionId=v1%2Bx"},
	}
	for _, tt := range tests {
		if got := copySource(tt.bucket, tt.key, tt.version); got != tt.want {
			t.Errorf("copySource(%q, %q, %q) = %q, want %q", tt.bucket, tt.key, tt.version, got, tt.want)
		}
	}
}
