package export

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/vigil-sec/vigil/internal/finding"
)

// productFields flattens the finding's service block into ASFF
// ProductFields as GuardDuty does: "aws/guardduty/service/<path>" with '/'
// between object keys and "<name>.<i>_" for array elements, scalar values
// as text. Security Hub takes at most 50 pairs, so shallow keys win, then
// the alphabet; longer keys are left out and longer values cut.
func productFields(s finding.Service) map[string]string {
	b, err := json.Marshal(s)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	all := map[string]string{}
	flatten(all, asffProductFieldKey, v)
	if len(all) == 0 {
		return nil
	}
	keys := sortedKeys(all)
	sort.SliceStable(keys, func(i, j int) bool {
		return strings.Count(keys[i], "/") < strings.Count(keys[j], "/")
	})
	out := make(map[string]string, min(len(keys), asffMaxFields))
	for _, k := range keys {
		if len(out) == asffMaxFields {
			break
		}
		out[k] = truncateBytes(all[k], asffMaxFieldValue)
	}
	return out
}

// flatten adds v's scalars to m under key.
func flatten(m map[string]string, key string, v any) {
	if len(key) > asffMaxFieldKey {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			flatten(m, key+"/"+k, e)
		}
	case []any:
		for i, e := range v {
			flatten(m, key+"."+strconv.Itoa(i)+"_", e)
		}
	case string:
		if v != "" {
			m[key] = v
		}
	case json.Number:
		m[key] = v.String()
	case bool:
		m[key] = strconv.FormatBool(v)
	}
}
