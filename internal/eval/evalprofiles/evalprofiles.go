// Package evalprofiles is `make eval-profiles`: the quality of the profiles the worker stores,
// measured through the real worker on the shared data sets, against baselines computed in the
// same run from the same events.
//
// # Through the real worker
//
// For every data set, the evaluation starts nothing of the pipeline itself: it produces the
// selected users' events into an embedded Kafka broker (kfake, in this process) with the real
// producer code (internal/replay, keyed by user id), runs the real `streamer run` binary as a
// subprocess on them (its own consumer group, topics and Redis key prefix, against a private
// redis-server, with a pseudonym key generated for the run), waits until the group's lag is 0,
// stops the worker with SIGINT (it commits and merges its last segment updates), and reads every
// profile back through package reader, by raw user id (the evaluation knows the key). What is
// measured is therefore exactly what a downstream app would read.
//
// # Held-out users: the DEV/TEST split
//
// Users are split deterministically by their raw id: the first 8 bytes of
// SHA-256("evalprofiles:" + user id) as a big-endian integer, even is DEV, odd is TEST (SplitOf).
// The figures this package reports are for one split (Options.Split, flag --split, default test).
// DEV is the half that work on the profile may tune on (weights, thresholds, model choice):
// internal/eval/simtune, which chooses reader's fusion weights, reads DEV users only, with the
// same rule. TEST is looked at only to report, never to choose. Within a split, only users with
// at least three events are evaluated, and at most Options.MaxUsers per data set, the first in
// hash order (a deterministic, uniform sample).
//
// # Tasks
//
//   - Owner retrieval (data sets with real users: Amazon 5-core, Amazon 2023 multi-category,
//     Taobao clicks, REES46 clicks). Time split: each user's last event (by time) is replayed as a separate
//     one-event pseudo-user with another user id ("evalq-" + id) after every history event; the
//     worker builds the user's history profile from the other events. Every history profile is
//     ranked by similarity to each pseudo-user; owner_top1 is the share of pseudo-users whose
//     owner ranks first, owner_mrr the mean reciprocal rank of the owner, with a 95% percentile
//     bootstrap interval over pseudo-users (owner_mrr_lo, owner_mrr_hi). Ties count against the
//     owner; a user or pseudo-user without a profile (or without the representation's data) is
//     similar to nobody.
//   - Neighbour-category precision (data sets with readable categories: both Amazon sets and the
//     Chinese reviews). A user's label is the majority category of their history; p1 and p5 are
//     the share of a user's 1 and 5 most similar other users that share it, averaged over users.
//   - k-means NMI: kernel k-means (k = the number of labels; on cosine similarities this is
//     k-means on the unit vectors) of the users' history profiles, against the labels.
//   - Segments: the worker's own online segments (the segment each history profile holds), their
//     NMI against the labels over the NMI of batch k-means with the same k on the same vectors
//     (nmi_ratio_vs_batch).
//
// The Chinese reviews have no user ids: replay builds pseudo-users of four consecutive reviews of
// one category, so only the category tasks are measured there, and their events are produced
// without category and item id (replay's item id is zh-<category>: both are the label), so the
// profile has to find the category in the text, as the baseline does (Dataset.Blind). On the
// Amazon sets the category and item id are real shop data and stay: there the category part
// (and the default, which fuses it) sees the label itself on the category tasks. Taobao categories are numeric ids
// with thousands of values, so only owner retrieval is measured there. REES46 clicks carry
// readable category codes (electronics.smartphone) and brands (the item title: the dense and
// lexical parts see them); the slice is under three hours, so a user's history and last click are
// minutes apart, and only owner retrieval is measured (its TF-IDF baseline is over categories,
// as for Taobao).
//
// # Representations
//
//   - default: what the worker stores and reader scores with by default: reader's Scorer (from
//     (*reader.Reader).Scorer, with the document frequencies the worker kept in this run and the
//     behaviour table internal/behavior fits once on the stored profiles after the worker
//     stopped, as a deployment's worker does every --behavior-refit-interval), its fusion of the
//     parts both profiles have;
//   - each part of that similarity alone (reader.Parts: dense, lexical, category, item,
//     behavior), a part one of the two profiles lacks counting as 0. The category part sees the
//     label itself on the category tasks (the label is the majority category), so its p1, p5
//     and nmi there are a ceiling, not a competitor;
//   - tfidf: the baseline, TF-IDF of the users' texts as the worker sees them (scrubbed summary
//     and body; English words and Chinese character bigrams) for reviews, of the clicked
//     categories for clicks, fitted on the history profiles of the run;
//   - random: random unit vectors, the floor.
//
// Every figure is printed as FIGURE eval.profiles.<dataset>.<repr>.<metric> (owner_top1,
// owner_mrr, owner_mrr_lo, owner_mrr_hi, p1, p5, nmi) and eval.segments.<dataset>.nmi_ratio_vs_batch,
// with a readable table per data set; eval.profiles.<dataset>.default_minus_tfidf.owner_mrr (with
// _lo and _hi) is the owner MRR difference with a paired bootstrap interval (the same resampled
// queries for both).
package evalprofiles

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/profilestream/profilestream/internal/kafkatest"
	"github.com/profilestream/profilestream/internal/redisproc"
	"github.com/profilestream/profilestream/reader"
)

// Options configure a run.
type Options struct {
	DataDir    string        // folder of the shared data sets (default ../shared/data)
	Streamer   string        // the streamer binary (default bin/streamer)
	ModelDir   string        // the worker's --model-dir (empty = the bundled default model)
	Split      Split         // dev or test (default test)
	MaxUsers   int           // at most this many users per data set (0 = all)
	Only       string        // comma-separated data set names (empty = all)
	Bootstrap  int           // bootstrap resamples of the owner MRR interval (default 1000)
	Seed       uint64        // seeds k-means, the bootstrap and the random baseline
	Partitions int           // partitions of every topic (default 4)
	Timeout    time.Duration // per data set, from the worker's start to lag 0 (default 10 minutes)
}

// DefaultOptions are the options of `make eval-profiles`.
func DefaultOptions() Options {
	return Options{DataDir: "../shared/data", Streamer: "bin/streamer", Split: SplitTest, MaxUsers: 1200,
		Bootstrap: 1000, Seed: 1, Partitions: 4, Timeout: 10 * time.Minute}
}

// Run evaluates every data set found under o.DataDir and writes the tables and FIGURE lines to
// out. Without the data folder it writes a SKIP line and returns nil.
func Run(ctx context.Context, o Options, out io.Writer) error {
	if o.Split != SplitDev && o.Split != SplitTest {
		return fmt.Errorf("evalprofiles: split %q: want dev or test", o.Split)
	}
	if st, err := os.Stat(o.DataDir); err != nil || !st.IsDir() {
		fmt.Fprintf(out, "eval-profiles: SKIP: shared data folder %s not found\n", o.DataDir)
		return nil
	}
	if _, err := os.Stat(o.Streamer); err != nil {
		return fmt.Errorf("evalprofiles: the streamer binary %s: %w (make build)", o.Streamer, err)
	}
	if o.Partitions <= 0 {
		o.Partitions = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	var sets []Dataset
	for _, ds := range Datasets {
		if o.Only != "" && !slices.Contains(strings.Split(o.Only, ","), ds.Name) {
			continue
		}
		if _, err := os.Stat(filepath.Join(o.DataDir, ds.File)); err != nil {
			fmt.Fprintf(out, "eval-profiles: SKIP %s: %s not found\n", ds.Name, ds.File)
			continue
		}
		sets = append(sets, ds)
	}
	if len(sets) == 0 {
		return errors.New("evalprofiles: no data set to evaluate")
	}
	kc, err := kafkatest.Start(0, o.Partitions)
	if err != nil {
		return err
	}
	defer kc.Close()
	proc, err := redisproc.Start(ctx, redisproc.Options{})
	if err != nil {
		return fmt.Errorf("evalprofiles: redis-server: %w", err)
	}
	defer proc.Stop()
	spec, pseudo, err := newKeySpec()
	if err != nil {
		return err
	}
	g := &rig{brokers: kc.Brokers(), redis: proc.Addr, keySpec: spec, pseudo: pseudo, streamer: o.Streamer,
		modelDir: o.ModelDir, timeout: o.Timeout, out: out}
	model := "the bundled default model"
	if o.ModelDir != "" {
		model = o.ModelDir
	}
	fmt.Fprintf(out, "eval-profiles: split %s, at most %d users per data set, encoder %s; kfake on %s, redis-server on %s\n",
		o.Split, o.MaxUsers, model, strings.Join(kc.Brokers(), ","), proc.Addr)
	start := time.Now()
	for _, ds := range sets {
		if err := evalDataset(ctx, g, o, ds, out); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "eval-profiles: done in %.0fs\nFIGURE eval.profiles.seconds %.0f\n", time.Since(start).Seconds(), time.Since(start).Seconds())
	return nil
}

// result is one representation's figures on one data set (NaN-free: absent metrics are unset).
type result struct {
	ranks                   []int // owner ranks per query (owner data sets)
	repr                    string
	top1, mrr, mrrLo, mrrHi float64
	p1, p5, nmi             float64
	owner, labels           bool
}

func evalDataset(ctx context.Context, g *rig, o Options, ds Dataset, out io.Writer) error {
	l, err := load(o.DataDir, ds, o.Split, o.MaxUsers)
	if err != nil {
		return err
	}
	recs, err := l.records()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\neval-profiles: %s: %d users (of %d in the %s split with >= %d events), %d events; %d records the decoder rejects were left out\n",
		ds.Name, len(l.users), l.candidate, o.Split, minEvents, l.events, l.rejected)
	if len(l.users) < 2 {
		return fmt.Errorf("evalprofiles: %s: only %d users", ds.Name, len(l.users))
	}
	p, took, err := g.runWorker(ctx, l, recs)
	if err != nil {
		return err
	}
	n := len(l.users)
	withProfile, withQuery := 0, 0
	for i := range n {
		if p.hist[i] != nil {
			withProfile++
		}
		if p.query[i] != nil {
			withQuery++
		}
	}
	fmt.Fprintf(out, "eval-profiles: %s: the worker consumed %d events in %.1fs (%.0f events/s, start-up included); %d of %d users have a profile",
		ds.Name, l.events, took.Seconds(), float64(l.events)/took.Seconds(), withProfile, n)
	if ds.Owner {
		fmt.Fprintf(out, ", %d of %d pseudo-users", withQuery, n)
	}
	fmt.Fprintln(out)

	labels := make([]string, n)
	nLabels := map[string]bool{}
	for i, u := range l.users {
		labels[i] = u.Label
		if u.Label != "" {
			nLabels[u.Label] = true
		}
	}
	reprs := representations(l, p, o.Seed)
	var results []result
	var denseHH SimMatrix
	for _, rp := range reprs {
		r := result{repr: rp.name, owner: ds.Owner, labels: ds.Labels}
		if ds.Owner {
			owner := make([]int, n)
			for i := range owner {
				owner[i] = i
			}
			ranks := OwnerRanks(rp.qh, owner)
			r.ranks = ranks
			r.top1, r.mrr = TopOne(ranks), MRR(ranks)
			r.mrrLo, r.mrrHi = BootstrapMRR(ranks, o.Bootstrap, 0.95, o.Seed)
		}
		if ds.Labels {
			r.p1 = NeighbourPrecision(rp.hh, labels, 1)
			r.p5 = NeighbourPrecision(rp.hh, labels, 5)
			r.nmi = NMI(KernelKMeans(rp.hh, len(nLabels), 5, o.Seed), labels)
		}
		if rp.name == reader.PartDense.String() {
			denseHH = rp.hh
		}
		results = append(results, r)
	}
	printTable(out, ds, results)
	for _, r := range results {
		pre := "FIGURE eval.profiles." + ds.Name + "." + r.repr + "."
		if r.owner {
			fmt.Fprintf(out, "%sowner_top1 %.4f\n%sowner_mrr %.4f\n%sowner_mrr_lo %.4f\n%sowner_mrr_hi %.4f\n",
				pre, r.top1, pre, r.mrr, pre, r.mrrLo, pre, r.mrrHi)
		}
		if r.labels {
			fmt.Fprintf(out, "%sp1 %.4f\n%sp5 %.4f\n%snmi %.4f\n", pre, r.p1, pre, r.p5, pre, r.nmi)
		}
	}
	if ds.Owner {
		pairedDiff(out, ds, results, "default", "tfidf", o)
	}
	fmt.Fprintf(out, "FIGURE eval.profiles.%s.users %d\n", ds.Name, n)
	if ds.Labels {
		segmentsFigures(out, ds, p, labels, denseHH, o.Seed)
	}
	return nil
}

// pairedDiff prints the owner MRR difference of two representations with its paired bootstrap
// interval (the same queries resampled for both).
func pairedDiff(out io.Writer, ds Dataset, results []result, a, b string, o Options) {
	var ra, rb *result
	for i := range results {
		switch results[i].repr {
		case a:
			ra = &results[i]
		case b:
			rb = &results[i]
		}
	}
	if ra == nil || rb == nil {
		return
	}
	lo, hi := BootstrapMRRDiff(ra.ranks, rb.ranks, o.Bootstrap, 0.95, o.Seed)
	name := a + "_minus_" + b
	fmt.Fprintf(out, "eval-profiles: %s: owner MRR %s - %s = %.3f [%.3f, %.3f] (paired bootstrap, 95%%)\n", ds.Name, a, b, ra.mrr-rb.mrr, lo, hi)
	fmt.Fprintf(out, "FIGURE eval.profiles.%s.%s.owner_mrr %.4f\nFIGURE eval.profiles.%s.%s.owner_mrr_lo %.4f\nFIGURE eval.profiles.%s.%s.owner_mrr_hi %.4f\n",
		ds.Name, name, ra.mrr-rb.mrr, ds.Name, name, lo, ds.Name, name, hi)
}

// segmentsFigures compares the worker's online segments with batch k-means (same k, same vectors).
func segmentsFigures(out io.Writer, ds Dataset, p *profiles, labels []string, hh SimMatrix, seed uint64) {
	segs := make([]int, len(p.hist))
	used := map[int]bool{}
	for i, pr := range p.hist {
		segs[i] = -1
		if pr != nil {
			segs[i] = pr.Segment
		}
		if segs[i] >= 0 {
			used[segs[i]] = true
		}
	}
	if len(used) == 0 {
		fmt.Fprintf(out, "eval-profiles: %s: the worker assigned no segments (too few users to initialize them)\n", ds.Name)
		return
	}
	online := NMI(segs, labels)
	batch := NMI(KernelKMeans(hh, len(used), 5, seed), labels)
	ratio := 0.0
	if batch > 0 {
		ratio = online / batch
	}
	fmt.Fprintf(out, "eval-profiles: %s: the worker's segments (k=%d): NMI %.3f; batch k-means (same k, same vectors): NMI %.3f; ratio %.3f\n",
		ds.Name, len(used), online, batch, ratio)
	fmt.Fprintf(out, "FIGURE eval.segments.%s.k %d\nFIGURE eval.segments.%s.nmi %.4f\nFIGURE eval.segments.%s.batch_nmi %.4f\nFIGURE eval.segments.%s.nmi_ratio_vs_batch %.4f\n",
		ds.Name, len(used), ds.Name, online, ds.Name, batch, ds.Name, ratio)
}

func printTable(out io.Writer, ds Dataset, results []result) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	head := "representation"
	if ds.Owner {
		head += "\towner top-1\towner MRR [95% CI]"
	}
	if ds.Labels {
		head += "\tP@1\tP@5\tNMI"
	}
	fmt.Fprintln(tw, head)
	for _, r := range results {
		line := r.repr
		if r.owner {
			line += fmt.Sprintf("\t%.3f\t%.3f [%.3f, %.3f]", r.top1, r.mrr, r.mrrLo, r.mrrHi)
		}
		if r.labels {
			line += fmt.Sprintf("\t%.3f\t%.3f\t%.3f", r.p1, r.p5, r.nmi)
		}
		fmt.Fprintln(tw, line)
	}
	_ = tw.Flush()
}

// repr is one representation's similarities: hh between history profiles (n x n), qh from each
// pseudo-user to every history profile (n x n, row i = user i's pseudo-user).
type repr struct {
	name   string
	hh, qh SimMatrix
}

// representations builds every representation of a data set: default (reader's Scorer with the
// run's document frequencies), each part of reader's similarity alone, TF-IDF and random.
func representations(l *loaded, p *profiles, seed uint64) []repr {
	n := len(l.users)
	// one Parts per pair, shared by the default and the parts
	type pairs struct{ hh, qh []reader.Parts }
	pp := pairs{hh: make([]reader.Parts, n*n), qh: make([]reader.Parts, n*n)}
	missing := func(pr *reader.Profile) bool { return pr == nil }
	for i := range n {
		for j := range n {
			if !missing(p.hist[i]) && !missing(p.hist[j]) {
				pp.hh[i*n+j] = p.scorer.Parts(p.hist[i], p.hist[j])
			} else {
				pp.hh[i*n+j] = nanParts()
			}
			if !missing(p.query[i]) && !missing(p.hist[j]) {
				pp.qh[i*n+j] = p.scorer.Parts(p.query[i], p.hist[j])
			} else {
				pp.qh[i*n+j] = nanParts()
			}
		}
	}
	fused := func(x reader.Parts, a, b *reader.Profile) float64 {
		if allNaN(x) {
			return 0
		}
		return p.scorer.FuseWith(x, p.scorer.WeightsFor(a, b))
	}
	out := []repr{{name: "default",
		hh: NewSimMatrix(n, n, func(i, j int) float64 { return fused(pp.hh[i*n+j], p.hist[i], p.hist[j]) }),
		qh: NewSimMatrix(n, n, func(i, j int) float64 { return fused(pp.qh[i*n+j], p.query[i], p.hist[j]) })}}
	for k := range reader.NumParts {
		part := func(x reader.Parts) float64 {
			if math.IsNaN(x[k]) {
				return 0 // a part one of the two profiles lacks: similar to nobody
			}
			return x[k]
		}
		out = append(out, repr{name: k.String(),
			hh: NewSimMatrix(n, n, func(i, j int) float64 { return part(pp.hh[i*n+j]) }),
			qh: NewSimMatrix(n, n, func(i, j int) float64 { return part(pp.qh[i*n+j]) })})
	}
	// tfidf: the baseline from the same events
	docs := make([]map[int32]int, n)
	for i, u := range l.users {
		docs[i] = u.Terms
	}
	tf := fitTFIDF(docs)
	ht, qt := make([]sparse, n), make([]sparse, n)
	for i, u := range l.users {
		ht[i] = tf.transform(u.Terms)
		if u.QTerms != nil {
			qt[i] = tf.transform(u.QTerms)
		}
	}
	out = append(out, sparseRepr("tfidf", ht, qt))
	// random: the floor
	rng := rand.New(rand.NewPCG(seed, 0xabcdef))
	rv := func() []float64 {
		v := make([]float32, 32)
		for k := range v {
			v[k] = float32(rng.NormFloat64())
		}
		return unitDense(v)
	}
	hr, qr := make([][]float64, n), make([][]float64, n)
	for i := range n {
		hr[i], qr[i] = rv(), rv()
	}
	out = append(out, denseRepr("random", hr, qr))
	return out
}

func nanParts() reader.Parts {
	var x reader.Parts
	for k := range x {
		x[k] = math.NaN()
	}
	return x
}

func allNaN(x reader.Parts) bool {
	for _, v := range x {
		if !math.IsNaN(v) {
			return false
		}
	}
	return true
}

func denseRepr(name string, h, q [][]float64) repr {
	n := len(h)
	return repr{name: name,
		hh: NewSimMatrix(n, n, func(i, j int) float64 { return dotDense(h[i], h[j]) }),
		qh: NewSimMatrix(n, n, func(i, j int) float64 { return dotDense(q[i], h[j]) })}
}

func sparseRepr(name string, h, q []sparse) repr {
	n := len(h)
	return repr{name: name,
		hh: NewSimMatrix(n, n, func(i, j int) float64 { return dotSparse(h[i], h[j]) }),
		qh: NewSimMatrix(n, n, func(i, j int) float64 { return dotSparse(q[i], h[j]) })}
}
