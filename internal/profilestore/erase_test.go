package profilestore

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/profilestream/profilestream/internal/redistest"
	"github.com/profilestream/profilestream/schema"
)

// TestEraserApply: an Eraser made without a model (as `streamer forget` makes it) erases every
// pseudonym of a request through the caller's step, reports each, and the fold then refuses the
// user; a re-consent request clears the ledger; a failing step stops the request.
func TestEraserApply(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	store := newStore(t, srv.Client(), nil)
	foldAll(t, store, genEvents(8, 40, 1, 1)[:20], 20) // builds k1.ua and caches it
	if _, err := store.Get(ctx, "k1.ua"); err != nil {
		t.Fatal(err)
	}
	er, err := NewEraser(srv.Client(), "")
	if err != nil {
		t.Fatal(err)
	}
	type call struct{ op, ps string }
	var steps, applied []call
	step := func(ctx context.Context, op string, fn func(context.Context) error) error {
		steps = append(steps, call{op, ""})
		return fn(ctx)
	}
	cases := []struct {
		name        string
		req         ErasureRequest
		step        Step
		wantErr     bool
		wantApplied []call
		wantErased  map[string]bool
	}{
		{"erase under two keys", ErasureRequest{Pseudonyms: []string{"k1.ua", "k0.ua"}}, step, false,
			[]call{{"erase", "k1.ua"}, {"erase", "k0.ua"}}, map[string]bool{"k1.ua": true, "k0.ua": true}},
		{"reconsent without a step", ErasureRequest{Pseudonyms: []string{"k0.ua"}, Reconsent: true}, nil, false,
			[]call{{"reconsent", "k0.ua"}}, map[string]bool{"k1.ua": true, "k0.ua": false}},
		{"failing step stops", ErasureRequest{Pseudonyms: []string{"k2.ub", "k3.ub"}},
			func(context.Context, string, func(context.Context) error) error { return errors.New("redis down") }, true,
			nil, map[string]bool{"k2.ub": false, "k3.ub": false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			steps, applied = nil, nil
			err := er.Apply(ctx, tc.req, tc.step, func(ps string) { applied = append(applied, call{tc.req.Op(), ps}) })
			if (err != nil) != tc.wantErr {
				t.Fatalf("Apply = %v, want error %v", err, tc.wantErr)
			}
			if !reflect.DeepEqual(applied, tc.wantApplied) {
				t.Errorf("applied %v, want %v", applied, tc.wantApplied)
			}
			if tc.step != nil && !tc.wantErr && len(steps) != len(tc.req.Pseudonyms) {
				t.Errorf("%d steps for %d pseudonyms", len(steps), len(tc.req.Pseudonyms))
			}
			for ps, want := range tc.wantErased {
				if got, err := store.IsErased(ctx, ps); err != nil || got != want {
					t.Errorf("IsErased(%s) = %v, %v; want %v", ps, got, err, want)
				}
			}
		})
	}
	if n, _ := srv.Client().Exists(ctx, schema.ProfileKey(schema.DefaultPrefix, "k1.ua")).Result(); n != 0 {
		t.Error("the profile survived the erasure")
	}
	// The store still caches the profile (another Eraser erased it): the ledger check of the
	// fold refuses the user's next events all the same.
	if r := foldAll(t, store, genEvents(8, 40, 1, 1)[20:30], 10); r.Erased != 10 || r.Applied != 0 {
		t.Errorf("fold after erasure: %+v", r)
	}
}
