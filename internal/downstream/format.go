package downstream

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/profilestream/profilestream/internal/apps"
)

// FormatRecommendation writes a recommendation as an aligned table.
func FormatRecommendation(w io.Writer, r apps.Recommendation) error {
	why := "nearest items to the user's recent taste (cosine), blended with popularity and category affinity"
	if r.Source == apps.SourcePopular {
		why = "the user has no usable profile vector: most popular items"
	}
	fmt.Fprintf(w, "recommendations for %s (source %s: %s)\n", r.Pseudonym, r.Source, why)
	if len(r.Items) == 0 {
		fmt.Fprintln(w, "no items: the item index is empty (no events observed yet)")
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tITEM\tCATEGORY\tSCORE\tCOSINE\tPOPULARITY\tTITLE")
	for i, it := range r.Items {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.3f\t%.3f\t%.2f\t%s\n", i+1, it.ItemID, dash(it.Category), it.Score, it.Cosine, it.Popular, dash(cut(it.Title, 60)))
	}
	return tw.Flush()
}

// FormatLookAlikes writes a look-alike audience as an aligned table.
func FormatLookAlikes(w io.Writer, seeds string, users []apps.Scored) error {
	fmt.Fprintf(w, "%d look-alike users of %s (cosine of lifetime mean to the seeds' centroid)\n", len(users), seeds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tPSEUDONYM\tSIMILARITY")
	for i, u := range users {
		fmt.Fprintf(tw, "%d\t%s\t%.4f\n", i+1, u.Pseudonym, u.Score)
	}
	return tw.Flush()
}

// FormatChurn writes a churn report as an aligned table with the risk distribution.
func FormatChurn(w io.Writer, r ChurnReport) error {
	fmt.Fprintf(w, "churn risk at %s (probability of no event in the next %s), %d users scored\n",
		r.At.Format(time.RFC3339), r.Horizon, r.Scored)
	var hist []string
	for i, n := range r.Histogram {
		hist = append(hist, fmt.Sprintf("%.1f-%.1f:%d", float64(i)/10, float64(i+1)/10, n))
	}
	fmt.Fprintf(w, "distribution  %s\n", strings.Join(hist, "  "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tPSEUDONYM\tRISK\tEVENTS\tLAST SEEN\tRECENCY (DAYS)\tACTIVITY\tSEGMENT")
	for i, u := range r.Users {
		seg := "-"
		if u.Segment >= 0 {
			seg = fmt.Sprint(u.Segment)
		}
		fmt.Fprintf(tw, "%d\t%s\t%.3f\t%d\t%s\t%.1f\t%.2f\t%s\n", i+1, u.Pseudonym, u.Risk, u.Events,
			u.LastSeen.UTC().Format("2006-01-02 15:04"), u.RecencyDays, u.Activity, seg)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
