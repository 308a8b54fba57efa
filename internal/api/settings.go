package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vigil-sec/vigil/internal/store"
)

// Settings persists the API's own objects (detector settings, filters,
// lists, plans, tags) as JSON documents by key.
type Settings interface {
	// Load decodes the document under key into v; a missing document
	// leaves v unchanged and is not an error.
	Load(ctx context.Context, key string, v any) error
	Save(ctx context.Context, key string, v any) error
}

// StoreSettings keeps documents in the store's state table under
// "api:<key>", so they share its transactions and backups.
type StoreSettings struct{ Store store.Store }

// Load implements Settings.
func (s StoreSettings) Load(ctx context.Context, key string, v any) error {
	b, err := s.Store.GetState(ctx, "api:"+key)
	if errors.Is(err, store.ErrNotFound) || (err == nil && len(b) == 0) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("settings %s: %w", key, err)
	}
	return nil
}

// Save implements Settings.
func (s StoreSettings) Save(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.Store.PutState(ctx, "api:"+key, b)
}
