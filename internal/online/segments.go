package online

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/profilestream/profilestream/schema"
	"github.com/redis/go-redis/v9"
)

// Segments reads every segment's statistics from Redis: membership size, centroid weight, top
// categories, mean rating, label and centroid. It returns nil when the model is not initialized.
func (m *Model) Segments(ctx context.Context) ([]SegmentStats, error) {
	return ReadSegments(ctx, m.rdb, m.opts.Prefix)
}

// ReadSegments is Segments for readers without a Model (the `streamer segments` command).
func ReadSegments(ctx context.Context, client redis.UniversalClient, prefix string) ([]SegmentStats, error) {
	ks := keys{prefix}
	h, err := client.HGetAll(ctx, ks.Centroids()).Result()
	if err != nil {
		return nil, fmt.Errorf("online: read centroids: %w", err)
	}
	st, ok, err := parseState(h)
	if err != nil || !ok {
		return nil, err
	}
	pipe := client.Pipeline()
	sizes := make([]*redis.IntCmd, st.k)
	stats := make([]*redis.MapStringStringCmd, st.k)
	for i := 0; i < st.k; i++ {
		sizes[i] = pipe.SCard(ctx, ks.Members(i))
		stats[i] = pipe.HGetAll(ctx, ks.Stats(i))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("online: read segment stats: %w", err)
	}
	out := make([]SegmentStats, st.k)
	for i := range out {
		s := SegmentStats{ID: i, Size: sizes[i].Val(), Weight: st.counts[i], Version: st.version, UpdatedAt: st.updated}
		if c, err := decodeF32([]byte(h["centroid:"+strconv.Itoa(i)]), st.dim); err == nil {
			s.Centroid = c
		}
		sh := stats[i].Val()
		var cats []schema.CategoryCount
		for f, v := range sh {
			if name, ok := strings.CutPrefix(f, "c:"); ok {
				x, _ := strconv.ParseFloat(v, 64)
				cats = append(cats, schema.CategoryCount{Category: name, Count: x})
			}
		}
		sort.Slice(cats, func(a, b int) bool {
			if cats[a].Count != cats[b].Count {
				return cats[a].Count > cats[b].Count
			}
			return cats[a].Category < cats[b].Category
		})
		if len(cats) > 5 {
			cats = cats[:5]
		}
		s.TopCategories = cats
		s.Label = Label(cats)
		rs, _ := strconv.ParseFloat(sh["rating_sum"], 64)
		rn, _ := strconv.ParseFloat(sh["rating_n"], 64)
		if rn > 0 {
			s.MeanRating = rs / rn
		}
		out[i] = s
	}
	return out, nil
}

// Label makes a short segment name from its top categories (highest first): the top category,
// followed by the second and third when each holds at least a quarter of the top one's count,
// joined by " / ". It is "(no categories)" when there are none.
func Label(top []schema.CategoryCount) string {
	if len(top) == 0 || top[0].Count <= 0 {
		return "(no categories)"
	}
	parts := []string{top[0].Category}
	for _, c := range top[1:min(3, len(top))] {
		if c.Count >= top[0].Count/4 {
			parts = append(parts, c.Category)
		}
	}
	return strings.Join(parts, " / ")
}

// FormatSegments writes segments as an aligned text table.
func FormatSegments(w io.Writer, segs []SegmentStats) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEGMENT\tSIZE\tWEIGHT\tMEAN RATING\tLABEL\tTOP CATEGORIES")
	for _, s := range segs {
		var top []string
		for _, c := range s.TopCategories {
			top = append(top, fmt.Sprintf("%s:%.1f", c.Category, c.Count))
		}
		fmt.Fprintf(tw, "%d\t%d\t%.1f\t%.2f\t%s\t%s\n", s.ID, s.Size, s.Weight, s.MeanRating, s.Label, strings.Join(top, " "))
	}
	if len(segs) > 0 {
		fmt.Fprintf(tw, "centroid version %d, last merge %s\n", segs[0].Version, segs[0].UpdatedAt.UTC().Format(time.RFC3339))
	}
	return tw.Flush()
}

// Members returns the pseudonyms in segment seg's membership set (read with SSCAN, so a large
// set does not block Redis).
func Members(ctx context.Context, client redis.UniversalClient, prefix string, seg int) ([]string, error) {
	key := keys{prefix}.Members(seg)
	var out []string
	var cursor uint64
	for {
		ms, next, err := client.SScan(ctx, key, cursor, "", 1000).Result()
		if err != nil {
			return nil, fmt.Errorf("online: members of segment %d: %w", seg, err)
		}
		out = append(out, ms...)
		if next == 0 {
			break
		}
		cursor = next
	}
	sort.Strings(out)
	return out, nil
}
