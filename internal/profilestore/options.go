package profilestore

import (
	"errors"
	"fmt"
	"time"

	"github.com/profilestream/profilestream/internal/event"
	"github.com/profilestream/profilestream/schema"
)

// Options configure a Store. Only ModelID and Dim are required; every other field has a default
// that New fills in when the field is left at its zero value.
type Options struct {
	// Prefix starts every key the store writes ("<prefix>:v1:..."). Default "ps".
	Prefix string

	// HalfLife is the half-life of the time-decayed mean embedding, the decayed activity and the
	// decayed category counts: an event HalfLife older than another weighs half as much.
	// Default 720h (30 days). Shorter reacts faster to changing interests but forgets long-term
	// taste; it is stored in each profile ("hl") so that readers decay with the writer's value.
	HalfLife time.Duration

	// ActionWeights weigh each kind of event in the lifetime mean, the decayed mean, the decayed
	// activity and the category counts. Default view 1, cart 2, fav 2, buy 4, review 3. A kind
	// missing from a non-nil map gets weight 1. Weights must be > 0. Changing them later only
	// affects events folded afterwards (the stored means are not recomputed).
	ActionWeights map[event.Kind]float64

	// TopCategories is the number of categories a profile reports (highest decayed count
	// first). Default 10. The profile keeps 2*TopCategories candidates internally so that a
	// category that has just dropped out can come back without losing its count; beyond that,
	// the lowest decayed counts are evicted (the top list is exact as long as a user has seen at
	// most 2*TopCategories distinct categories, approximate after that).
	TopCategories int

	// RecentItems bounds the list of the user's most recent item interactions kept in the
	// profile ("items" field, newest first, one entry per item). Default 20; a negative value
	// turns the list off. Each entry costs roughly len(itemID)+30 bytes of Redis memory.
	RecentItems int

	// TopTerms bounds the lexical sketch ("terms": the words of the user's texts with decayed
	// weights, highest first; the lowest weights are evicted). Default 32; negative turns it off.
	// Each entry costs about len(term)+14 bytes of Redis memory.
	TopTerms int

	// TopItems bounds the item sketch ("bitems": the items with the highest decayed,
	// action-weighted interaction counts). Default 16; negative turns it off. Each entry costs
	// about len(itemID)+14 bytes.
	TopItems int

	// NoBehaviorVector turns off the hashed behavioural vector ("bvec", 128 bytes per profile).
	NoBehaviorVector bool

	// ModelID and Dim name the encoder model and its vector dimension (required). Vectors of
	// another dimension are rejected. When a stored profile carries another model id, its
	// vector fields are reset at the next fold (embeddings of two models do not mix); counts,
	// categories and watermarks are kept. See docs/schema.md, "Migration".
	ModelID string
	Dim     int

	// KeyID is the pseudonym key id written into new profiles when an event carries none and
	// none can be derived from the pseudonym (a pseudonym of the form "<keyid>.<digest>"
	// carries its key id). Default empty.
	KeyID string

	// TTL expires profiles of inactive users: every successful fold sets the key's TTL to this
	// duration again, so a profile disappears TTL after its last folded event (processing time,
	// not event time). 0 (the default) keeps profiles forever. The TTL must exceed the longest
	// time Kafka may redeliver a message (retention), because an expired profile loses its
	// watermarks: a redelivery after expiry would be folded again into a fresh profile.
	TTL time.Duration

	// TombstoneTTL is how long the tombstone that Move leaves under the old pseudonym lives.
	// While it exists, late redeliveries of events under the old pseudonym are redirected to the
	// new one (and skipped there by watermark); after it expired they would start a fresh
	// profile under the old pseudonym. Default 168h (7 days); set it above the Kafka redelivery
	// horizon of the deployment.
	TombstoneTTL time.Duration

	// Now is the clock used for the "upd" and "segt" fields and by decay-on-read helpers.
	// Default time.Now.
	Now func() time.Time

	// CacheSize is the number of recently folded profiles kept in memory with their version, so
	// that the next batch for the same user skips the read round trip. The compare-and-set
	// write rejects a stale cached profile (another worker wrote in between), which is then
	// re-read. Default 4096; negative turns the cache off. Memory is about 8*Dim bytes per entry.
	CacheSize int

	// ScriptBatch is the most users one atomic compare-and-set step writes: one MULTI/EXEC on a
	// single server, one script call on a Redis Cluster (users grouped per slot; on a cluster
	// nearly every user is alone in its slot). The steps of one Fold run concurrently (up to 8
	// connections), so a batch still costs about one round trip. Larger values spread the fixed
	// cost of a step over more users but block the server longer per step. Default 64; 1 makes
	// every atomic step touch a single user's keys, also on a single server.
	ScriptBatch int

	// UseScript makes Fold write with the compare-and-set Lua script (the cluster path, vector
	// blobs passed through Lua) also on a single server. Default false: on a single server
	// (*redis.Client) Fold writes with the fenced MULTI/EXEC (a check script without blobs, plain
	// HSETs, an undo script; see the package documentation); on a Redis Cluster or Ring it
	// always uses the script, because a transaction cannot span slots.
	UseScript bool

	// DecayedFloat16 has no effect since profile layout 2 (schema.ProfileSchema), which stores
	// both means as Q8 (4+dim bytes; docs/schema.md, "Layouts"). In layout 1 it stored the
	// decayed mean as float16; such profiles are still read, and rewritten by their next fold.
	DecayedFloat16 bool

	// MaxRetries bounds how often Fold re-reads and recomputes users whose compare-and-set
	// failed because another writer changed the profile in between. Default 8. When retries run
	// out Fold returns ErrConflict (wrapped); calling Fold again with the same batch is safe.
	MaxRetries int
}

// DefaultActionWeights returns the default weight of each kind (schema.DefaultActionWeights,
// where the defaults are defined once).
func DefaultActionWeights() map[event.Kind]float64 {
	d := schema.DefaultActionWeights()
	w := make(map[event.Kind]float64, len(event.Kinds))
	for _, k := range event.Kinds {
		w[k] = d[k.String()]
	}
	return w
}

func (o Options) withDefaults() (Options, error) {
	if o.Prefix == "" {
		o.Prefix = "ps"
	}
	if o.HalfLife == 0 {
		o.HalfLife = schema.DefaultHalfLife
	}
	if o.HalfLife < 0 {
		return o, errors.New("profilestore: HalfLife must be > 0")
	}
	w := DefaultActionWeights()
	if o.ActionWeights != nil {
		for _, k := range event.Kinds {
			v, ok := o.ActionWeights[k]
			if !ok {
				v = 1
			}
			if v <= 0 {
				return o, fmt.Errorf("profilestore: action weight of %s must be > 0, got %g", k, v)
			}
			w[k] = v
		}
	}
	o.ActionWeights = w
	if o.TopCategories == 0 {
		o.TopCategories = schema.DefaultTopCategories
	}
	if o.TopCategories < 0 {
		return o, errors.New("profilestore: TopCategories must be >= 0")
	}
	if o.RecentItems == 0 {
		o.RecentItems = schema.DefaultRecentItems
	}
	if o.RecentItems < 0 {
		o.RecentItems = 0
	}
	if o.TopTerms == 0 {
		o.TopTerms = 32
	}
	if o.TopTerms < 0 {
		o.TopTerms = 0
	}
	if o.TopItems == 0 {
		o.TopItems = 16
	}
	if o.TopItems < 0 {
		o.TopItems = 0
	}
	if o.ModelID == "" {
		return o, errors.New("profilestore: ModelID is required")
	}
	if o.Dim <= 0 {
		return o, errors.New("profilestore: Dim must be > 0")
	}
	if o.TTL < 0 {
		return o, errors.New("profilestore: TTL must be >= 0")
	}
	if o.TombstoneTTL == 0 {
		o.TombstoneTTL = 168 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CacheSize == 0 {
		o.CacheSize = 4096
	}
	if o.CacheSize < 0 {
		o.CacheSize = 0
	}
	if o.ScriptBatch <= 0 {
		o.ScriptBatch = 64
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 8
	}
	return o, nil
}
