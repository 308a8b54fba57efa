package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vigil-sec/vigil/internal/store"
)

// testPending checks PendingStore: put is idempotent per id (the last
// event wins), list is oldest first, delete forgets, deleting an unknown
// id is not an error.
func testPending(t *testing.T, s store.Store) {
	ps, ok := s.(store.PendingStore)
	if !ok {
		t.Skip("the store does not keep pending object events")
	}
	ctx := t.Context()
	for _, p := range []struct{ id, ev string }{{"a", `{"k":"a"}`}, {"b", `{"k":"b"}`}, {"a", `{"k":"a2"}`}} {
		if err := ps.PutPending(ctx, p.id, []byte(p.ev)); err != nil {
			t.Fatalf("PutPending(%s) = %v", p.id, err)
		}
	}
	list := func() []string {
		t.Helper()
		evs, err := ps.ListPending(ctx)
		if err != nil {
			t.Fatalf("ListPending() = %v", err)
		}
		out := []string{}
		for _, e := range evs {
			out = append(out, string(e))
		}
		return out
	}
	if diff := cmp.Diff([]string{`{"k":"a2"}`, `{"k":"b"}`}, list()); diff != "" {
		t.Errorf("ListPending() (-want +got):\n%s", diff)
	}
	if err := ps.DeletePending(ctx, "a"); err != nil {
		t.Fatalf("DeletePending(a) = %v", err)
	}
	if err := ps.DeletePending(ctx, "unknown"); err != nil {
		t.Errorf("DeletePending(unknown) = %v, want nil", err)
	}
	if diff := cmp.Diff([]string{`{"k":"b"}`}, list()); diff != "" {
		t.Errorf("ListPending() after delete (-want +got):\n%s", diff)
	}
}
