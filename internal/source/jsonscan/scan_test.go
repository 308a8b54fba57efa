package jsonscan

import (
	"errors"
	"strings"
	"testing"
)

func TestValueEnd(t *testing.T) {
	for _, tt := range []struct {
		in      string
		end     int
		wantErr string
	}{
		{`{"a":[1,{"b":"x\"}"}]} tail`, 22, ""},
		{`"a\\" x`, 5, ""},
		{`123, 4`, 3, ""},
		{`true}`, 4, ""},
		{`{"a":1`, 6, "unexpected end"},
		{`"abc`, 4, "unexpected end"},
		{`{"a":[1}`, 7, `mismatched '}'`},
		{`,`, 0, "unexpected ','"},
		{strings.Repeat("[", MaxDepth+1), MaxDepth, "nesting deeper"},
	} {
		end, err := ValueEnd([]byte(tt.in), 0)
		if end != tt.end || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("ValueEnd(%.40q) = %d, %v; want %d, %q", tt.in, end, err, tt.end, tt.wantErr)
		}
	}
	if _, err := ValueEnd([]byte(`{"a"`), 0); !errors.Is(err, ErrTruncated) {
		t.Errorf("truncated object: %v, want ErrTruncated", err)
	}
	if SkipBOM([]byte("\xEF\xBB\xBF{}")) != 3 || SkipBOM([]byte("{}")) != 0 || SkipSpace([]byte(" \t\r\n{"), 0) != 4 {
		t.Error("SkipBOM or SkipSpace")
	}
}

func FuzzValueEnd(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"x\\\"y"`, `[[[`, `12e3,`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		end, err := ValueEnd(b, SkipSpace(b, SkipBOM(b)))
		if end < 0 || end > len(b) {
			t.Fatalf("ValueEnd(%q) = %d, outside the data", b, end)
		}
		if err == nil && end == 0 && len(b) > 0 {
			t.Fatalf("ValueEnd(%q) consumed nothing without an error", b)
		}
	})
}
