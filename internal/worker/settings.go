package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/internal/redisscript"
	"github.com/profilestream/profilestream/schema"
)

// ErrSettingsDiffer is returned (wrapped) by Run when the settings stored in Redis by the
// workers that wrote the profiles differ from this worker's, and Config.MigrateSettings is off.
var ErrSettingsDiffer = errors.New("settings differ from the stored ones")

// settingsScript writes the settings hash when it is absent and returns it as it was (an empty
// array when it was absent). One key, so it runs on a Redis Cluster too.
var settingsScript = redisscript.New(`
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HGETALL', KEYS[1])
end
redis.call('HSET', KEYS[1], unpack(ARGV))
return {}
`)

// Settings returns the settings this worker writes profiles and items with (schema.Settings,
// stored at schema.SettingsKey).
func (w *Worker) Settings() schema.Settings {
	so := w.store.Options()
	s := schema.Settings{
		Schema: schema.Version, ModelID: so.ModelID, Dim: so.Dim, HalfLife: so.HalfLife,
		ActionWeights: map[string]float64{}, ItemHalfLife: w.items.Options().HalfLife,
		TopCategories: so.TopCategories, RecentItems: so.RecentItems, DecayedFloat16: so.DecayedFloat16,
	}
	for _, k := range event.Kinds {
		s.ActionWeights[k.String()] = so.ActionWeights[k]
	}
	return s
}

// storeSettings writes the worker's settings when none are stored, and otherwise compares them:
// on a difference it fails with ErrSettingsDiffer naming each one, or, with migrate, replaces
// the stored settings.
func storeSettings(ctx context.Context, rdb redis.UniversalClient, prefix string, mine schema.Settings, migrate bool) (replaced []string, err error) {
	key := schema.SettingsKey(prefix)
	mine.UpdatedAt = time.Now()
	cmds, err := redisscript.Run(ctx, rdb, []redisscript.Call{{Script: settingsScript, Keys: []string{key}, Args: mine.Fields()}})
	var res []string
	if err == nil {
		res, err = cmds[0].StringSlice()
	}
	if err != nil {
		return nil, fmt.Errorf("worker: settings %s: %w", key, err)
	}
	if len(res) == 0 {
		return nil, nil
	}
	h := make(map[string]string, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		h[res[i]] = res[i+1]
	}
	stored, err := schema.DecodeSettings(h)
	if err != nil {
		return nil, fmt.Errorf("worker: settings %s: %w", key, err)
	}
	diff := mine.Diff(stored)
	if len(diff) == 0 {
		return nil, nil
	}
	if !migrate {
		return nil, fmt.Errorf("worker: %w in %s, written %s by the workers that wrote the profiles: %s; "+
			"start with the stored settings, or with --migrate-settings (STREAMER_MIGRATE_SETTINGS) to replace them "+
			"(events folded afterwards use the new ones; see docs/schema.md, \"Settings\")",
			ErrSettingsDiffer, key, stored.UpdatedAt.Format(time.RFC3339), strings.Join(diff, ", "))
	}
	_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, key)
		p.HSet(ctx, key, mine.Fields()...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("worker: replace settings %s: %w", key, err)
	}
	return diff, nil
}

// ensureSettings runs storeSettings before the worker consumes anything, retrying while Redis
// cannot be reached (watchRedis reports that); it returns nil when ctx ends first.
func (w *Worker) ensureSettings(ctx context.Context) error {
	for {
		replaced, err := storeSettings(ctx, w.rdb, w.store.Options().Prefix, w.Settings(), w.cfg.MigrateSettings)
		switch {
		case err == nil:
			if len(replaced) > 0 {
				w.log.Warn().Strs("changed", replaced).Msg("settings migrated: the stored settings were replaced by this worker's (--migrate-settings)")
			}
			return nil
		case errors.Is(err, ErrSettingsDiffer):
			w.log.Error().Err(err).Msg("refusing to start")
			return err
		}
		w.log.Debug().Err(err).Msg("settings not checked yet; retrying")
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}
