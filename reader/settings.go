package reader

import (
	"context"
	"fmt"

	"github.com/profilestream/profilestream/schema"
)

// Settings returns the settings the workers wrote the profiles and items with
// (schema.SettingsKey): the action weights behind every mean, activity and popularity, the
// half-lives, the model. A reader interprets the profiles with these, never with assumed
// defaults. stored is false when no worker has written them yet (or the profiles predate them);
// the settings are then schema.DefaultSettings(), whose ModelID is empty.
func (r *Reader) Settings(ctx context.Context) (s schema.Settings, stored bool, err error) {
	h, err := r.rdb.HGetAll(ctx, schema.SettingsKey(r.opts.Prefix)).Result()
	if err != nil {
		return schema.Settings{}, false, fmt.Errorf("reader: settings: %w", err)
	}
	if len(h) == 0 {
		return schema.DefaultSettings(), false, nil
	}
	s, err = schema.DecodeSettings(h)
	if err != nil {
		return schema.Settings{}, false, fmt.Errorf("reader: %w", err)
	}
	return s, true, nil
}
