package schema

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SettingsKey returns the key of the writers' profile settings hash: "<prefix>:v1:settings".
// The worker writes it once, next to the profiles, and refuses to start with other settings
// unless told to migrate; readers take the action weights, half-lives and model from it instead
// of assuming defaults (docs/schema.md, "Settings").
func SettingsKey(prefix string) string { return base(prefix) + "settings" }

// The defaults of the settings a reader needs to interpret the profiles. They are defined here
// once; the writers (profilestore, itemindex, the worker's flags) and the readers take them from
// here.
const (
	// DefaultHalfLife is the half-life of a profile's decayed quantities (dvec, dw, act, cats).
	DefaultHalfLife = 720 * time.Hour
	// DefaultItemHalfLife is the half-life of item popularity.
	DefaultItemHalfLife = 168 * time.Hour
	// DefaultTopCategories is the number of categories a profile reports (it keeps twice as many).
	DefaultTopCategories = 10
	// DefaultRecentItems bounds a profile's "items" list.
	DefaultRecentItems = 20
)

// Kinds lists the event kinds, in the order of the profile's n:<kind> fields.
var Kinds = []string{"view", "cart", "fav", "buy", "review"}

// DefaultActionWeights returns the default weight of each event kind: view 1, cart 2, fav 2,
// buy 4, review 3.
func DefaultActionWeights() map[string]float64 {
	return map[string]float64{"view": 1, "cart": 2, "fav": 2, "buy": 4, "review": 3}
}

// Field names of the settings hash at SettingsKey (docs/schema.md, "Settings").
const (
	SettingsFieldSchema         = "schema"  // int: layout version (Version)
	SettingsFieldModel          = "model"   // string: encoder model id of vec/dvec
	SettingsFieldDim            = "dim"     // int: vector dimension
	SettingsFieldHalfLife       = "hl"      // ms: profile half-life
	SettingsFieldWeightPrefix   = "w:"      // w:<kind> float: action weight of kind
	SettingsFieldItemHalfLife   = "item_hl" // ms: item popularity half-life
	SettingsFieldTopCategories  = "topcats" // int: categories a profile reports
	SettingsFieldRecentItems    = "recent"  // int: bound of the profile's items list (0 = off)
	SettingsFieldDecayedFloat16 = "dvec16"  // int: 1 when dvec is stored as float16
	SettingsFieldUpdatedAt      = "upd"     // ms: when the settings were written
)

// SettingsFields lists every settings hash field name (the prefix with its trailing ':').
var SettingsFields = []string{
	SettingsFieldSchema, SettingsFieldModel, SettingsFieldDim, SettingsFieldHalfLife,
	SettingsFieldWeightPrefix, SettingsFieldItemHalfLife, SettingsFieldTopCategories,
	SettingsFieldRecentItems, SettingsFieldDecayedFloat16, SettingsFieldUpdatedAt,
}

// Settings are what the writers of one key prefix run with and what a reader needs to interpret
// their profiles and items: the weights behind every mean, activity and popularity, the
// half-lives every decayed quantity fades with, and the model and dimension of the vectors.
type Settings struct {
	Schema         int                `json:"schema"`
	ModelID        string             `json:"model"`
	Dim            int                `json:"dim"`
	HalfLife       time.Duration      `json:"half_life_ns"`
	ActionWeights  map[string]float64 `json:"action_weights"`
	ItemHalfLife   time.Duration      `json:"item_half_life_ns"`
	TopCategories  int                `json:"top_categories"`
	RecentItems    int                `json:"recent_items"`
	DecayedFloat16 bool               `json:"decayed_float16"`
	// UpdatedAt is when the settings were written (not compared by Diff).
	UpdatedAt time.Time `json:"updated_at"`
}

// DefaultSettings returns the defaults, without a model (ModelID "" and Dim 0): what a reader
// assumes when no writer has stored settings yet.
func DefaultSettings() Settings {
	return Settings{
		Schema: Version, HalfLife: DefaultHalfLife, ActionWeights: DefaultActionWeights(),
		ItemHalfLife: DefaultItemHalfLife, TopCategories: DefaultTopCategories, RecentItems: DefaultRecentItems,
	}
}

// Weight returns the action weight of kind (1 for a kind the settings do not name).
func (s Settings) Weight(kind string) float64 {
	if w, ok := s.ActionWeights[kind]; ok && w > 0 {
		return w
	}
	return 1
}

// Fields returns the hash fields of s, as field, value pairs (HSET's arguments).
func (s Settings) Fields() []any {
	out := []any{
		SettingsFieldSchema, strconv.Itoa(s.Schema),
		SettingsFieldModel, s.ModelID,
		SettingsFieldDim, strconv.Itoa(s.Dim),
		SettingsFieldHalfLife, strconv.FormatInt(s.HalfLife.Milliseconds(), 10),
		SettingsFieldItemHalfLife, strconv.FormatInt(s.ItemHalfLife.Milliseconds(), 10),
		SettingsFieldTopCategories, strconv.Itoa(s.TopCategories),
		SettingsFieldRecentItems, strconv.Itoa(s.RecentItems),
		SettingsFieldDecayedFloat16, boolInt(s.DecayedFloat16),
		SettingsFieldUpdatedAt, strconv.FormatInt(s.UpdatedAt.UnixMilli(), 10),
	}
	for _, k := range sortedKeys(s.ActionWeights) {
		out = append(out, SettingsFieldWeightPrefix+k, strconv.FormatFloat(s.ActionWeights[k], 'g', -1, 64))
	}
	return out
}

// DecodeSettings decodes a settings hash (HGETALL). Unknown fields are ignored; a missing field
// keeps its default.
func DecodeSettings(h map[string]string) (Settings, error) {
	s := DefaultSettings()
	s.ActionWeights = map[string]float64{}
	ms := func(v string) (time.Duration, error) {
		n, err := strconv.ParseInt(v, 10, 64)
		return time.Duration(n) * time.Millisecond, err
	}
	for f, v := range h {
		var err error
		switch {
		case f == SettingsFieldSchema:
			s.Schema, err = strconv.Atoi(v)
		case f == SettingsFieldModel:
			s.ModelID = v
		case f == SettingsFieldDim:
			s.Dim, err = strconv.Atoi(v)
		case f == SettingsFieldHalfLife:
			s.HalfLife, err = ms(v)
		case f == SettingsFieldItemHalfLife:
			s.ItemHalfLife, err = ms(v)
		case f == SettingsFieldTopCategories:
			s.TopCategories, err = strconv.Atoi(v)
		case f == SettingsFieldRecentItems:
			s.RecentItems, err = strconv.Atoi(v)
		case f == SettingsFieldDecayedFloat16:
			s.DecayedFloat16 = v == "1"
		case f == SettingsFieldUpdatedAt:
			var n int64
			n, err = strconv.ParseInt(v, 10, 64)
			if n > 0 {
				s.UpdatedAt = time.UnixMilli(n).UTC()
			}
		case strings.HasPrefix(f, SettingsFieldWeightPrefix):
			var w float64
			w, err = strconv.ParseFloat(v, 64)
			s.ActionWeights[f[len(SettingsFieldWeightPrefix):]] = w
		}
		if err != nil {
			return Settings{}, fmt.Errorf("schema: settings field %q: %w", f, err)
		}
	}
	if len(s.ActionWeights) == 0 {
		s.ActionWeights = DefaultActionWeights()
	}
	return s, nil
}

// Diff lists, one readable phrase each, the settings in which s differs from stored (UpdatedAt
// aside), e.g. "weight of buy 8 (stored 4)". Empty when they agree.
func (s Settings) Diff(stored Settings) []string {
	var d []string
	add := func(name string, mine, theirs any) {
		if fmt.Sprint(mine) != fmt.Sprint(theirs) {
			d = append(d, fmt.Sprintf("%s %v (stored %v)", name, mine, theirs))
		}
	}
	add("schema version", s.Schema, stored.Schema)
	add("model", s.ModelID, stored.ModelID)
	add("dim", s.Dim, stored.Dim)
	add("half-life", s.HalfLife, stored.HalfLife)
	kinds := map[string]bool{}
	for k := range s.ActionWeights {
		kinds[k] = true
	}
	for k := range stored.ActionWeights {
		kinds[k] = true
	}
	for _, k := range sortedKeys(kinds) {
		add("weight of "+k, s.Weight(k), stored.Weight(k))
	}
	add("item half-life", s.ItemHalfLife, stored.ItemHalfLife)
	add("top categories", s.TopCategories, stored.TopCategories)
	add("recent items", s.RecentItems, stored.RecentItems)
	add("decayed float16", s.DecayedFloat16, stored.DecayedFloat16)
	return d
}

func boolInt(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
