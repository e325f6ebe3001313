package itemindex

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/profilestream/profilestream/internal/event"
)

// The writer's behaviour against Redis (popularity, vectors, user item sets, co-occurrence,
// erasure fence, Trim, Upsert, Redis Cluster) is tested with its reader in internal/apps.

func TestOptions(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	defer rdb.Close()
	cases := []struct {
		name    string
		opts    Options
		wantErr bool
	}{
		{"model required", Options{}, true},
		{"model from the encoder", Options{Encoder: modelEncoder{}}, false},
		{"negative half-life", Options{ModelID: "m", HalfLife: -time.Hour}, true},
		{"negative max items", Options{ModelID: "m", MaxItems: -1}, true},
		{"zero action weight", Options{ModelID: "m", ActionWeights: map[event.Kind]float64{event.KindBuy: 0}}, true},
		{"defaults", Options{ModelID: "m"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := New(rdb, tc.opts)
			if (err != nil) != tc.wantErr {
				t.Fatalf("New = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			o := w.Options()
			if o.Prefix != "ps" || o.HalfLife != DefaultHalfLife || o.MaxUserItems != DefaultMaxUserItems ||
				o.MaxCooccur != DefaultMaxCooccur || o.CooccurRecent != DefaultCooccurRecent || o.MaxItems != 100000 ||
				o.ActionWeights[event.KindBuy] != 4 || o.ModelID == "" {
				t.Errorf("defaults not filled: %+v", o)
			}
		})
	}
	if _, err := New(nil, Options{ModelID: "m"}); err == nil {
		t.Error("New(nil client) did not fail")
	}
}

type modelEncoder struct{}

func (modelEncoder) Encode(_ context.Context, texts []string) ([][]float32, error) {
	return make([][]float32, len(texts)), nil
}
func (modelEncoder) ModelID() string { return "enc-model" }
