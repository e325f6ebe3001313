// Package evalencoder is `make eval-encoder` (cmd/evalencoder wires its flags): it measures how well sentence embeddings separate product categories on
// review data that the default model never saw in training.
//
// The held-out split is the training script's seeded rule (tools/train_default/train.py):
// Amazon reviews of 20% of the users (by a hash of the user id) and 20% of the Chinese rows
// (by a hash of the row number). From it a bounded, category-balanced sample is drawn for
// English (amazon-reviews-5core, 7 categories) and Chinese (online-shopping-10-cats, 10
// categories), and three text representations are compared on the same texts:
//
//   - default: the bundled trained BERT (models/default), mean-pooled and L2-normalized;
//   - tfidf:   a bag-of-words TF-IDF baseline (words for English, characters for Chinese),
//     L2-normalized, fitted on the sample itself;
//   - random:  the same transformer architecture and tokenizer with random weights.
//
// Two numbers per representation: centroid_acc, the accuracy of assigning each text to the
// category whose centroid (mean of the other fold's vectors) is most cosine-similar (two-fold,
// every text scored once); and nmi, the normalized mutual information between k-means clusters
// (k = number of categories, k-means++ with restarts, lowest inertia kept) and the categories.
// Every number is printed in a table and as a "FIGURE <name> <value>" line. Without the shared
// data Run prints a SKIP line and returns nil.
package evalencoder

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/profilestream/profilestream/internal/encoder"
)

type result struct {
	lang, model string
	n, k        int
	acc, nmi    float64
	secs        float64
}

// Options are the evaluation's settings; DefaultOptions gives the defaults of `make eval-encoder`.
type Options struct {
	DataDir  string // folder with the shared datasets (default ../shared/data)
	N        int    // texts per language, a category-balanced sample of the held-out split (default 2000)
	MaxLen   int    // tokens per text for the transformers, [CLS]/[SEP] included (default 128)
	ModelDir string // model folder to evaluate instead of the bundled default (default: the bundled one)
	Restarts int    // k-means restarts, k-means++ seeding each (default 10)
	Seed     uint64 // seed for sampling, k-means and the random-weight model (default 1)
	Threads  int    // encoder threads (0: all cores)
	Langs    string // comma-separated languages to evaluate (default "en,zh")
	// Precision is the encoder's precision (default: auto, what the worker uses).
	Precision encoder.Precision
}

// DefaultOptions returns the settings `make eval-encoder` runs with.
func DefaultOptions() Options {
	return Options{DataDir: "../shared/data", N: 2000, MaxLen: 128, Restarts: 10, Seed: 1, Langs: "en,zh"}
}

// Run evaluates every language of o.Langs and writes the tables and FIGURE lines to w. Without the
// shared data it writes a SKIP line and returns nil.
func Run(ctx context.Context, o Options, w io.Writer) error {
	if _, err := os.Stat(o.DataDir); err != nil {
		abs, _ := filepath.Abs(o.DataDir)
		fmt.Fprintf(w, "SKIP eval-encoder: shared data not found at %s (%v)\n", abs, err)
		return nil
	}
	return run(ctx, w, o.DataDir, o.ModelDir, o.N, o.MaxLen, o.Restarts, o.Threads, o.Seed, strings.Split(o.Langs, ","), o.Precision)
}

func run(ctx context.Context, w io.Writer, dataDir, modelDir string, n, maxLen, restarts, threads int, seed uint64, langs []string, prec encoder.Precision) error {
	opts := encoder.Options{MaxLength: maxLen, Threads: threads, Precision: prec}
	var def *encoder.Model
	var err error
	if modelDir == "" {
		def, err = encoder.LoadDefault(opts)
	} else {
		def, err = encoder.Load(modelDir, opts)
	}
	if err != nil {
		return fmt.Errorf("load model: %w", err)
	}
	rnd, err := encoder.NewRandom(def.Config(), def.Tokenizer(), seed, opts)
	if err != nil {
		return fmt.Errorf("random model: %w", err)
	}
	fmt.Fprintf(w, "model %s (dim %d, max length %d); random-weight twin %s\n", def.ModelID(), def.Dim(), def.MaxLength(), rnd.ModelID())

	var results []result
	for _, lang := range langs {
		var ex []Example
		var terms func(string) []string
		switch lang {
		case "en":
			ex, err = LoadEnglish(dataDir)
			terms = EnglishTerms
		case "zh":
			var rows int
			ex, rows, err = LoadChinese(dataDir)
			terms = ChineseTerms
			if err == nil {
				fmt.Fprintf(w, "zh: %d data rows read (the trainer numbers the same rows)\n", rows)
			}
		default:
			return fmt.Errorf("unknown language %q", lang)
		}
		if err != nil {
			return fmt.Errorf("load %s: %w", lang, err)
		}
		sample, labels, cats, fold := Sample(ex, n, seed)
		texts := make([]string, len(sample))
		for i, e := range sample {
			texts[i] = e.Text
		}
		counts := make([]int, len(cats))
		for _, l := range labels {
			counts[l]++
		}
		var per []string
		for i, c := range cats {
			per = append(per, fmt.Sprintf("%s=%d", c, counts[i]))
		}
		fmt.Fprintf(w, "%s: %d held-out texts, sample %d over %d categories: %s\n", lang, len(ex), len(sample), len(cats), strings.Join(per, " "))
		k := len(cats)

		score := func(model string, x Vectors, secs float64) {
			t := time.Now()
			acc := TwoFoldCentroidAccuracy(x, labels, fold)
			km, _ := KMeans(x, k, restarts, 100, seed)
			r := result{lang, model, len(texts), k, acc, NMI(labels, km), secs + time.Since(t).Seconds()}
			results = append(results, r)
			fmt.Fprintf(w, "  %-8s centroid_acc %.4f  nmi %.4f  (%.1fs)\n", model, r.acc, r.nmi, r.secs)
		}
		for _, m := range []struct {
			name string
			enc  *encoder.Model
		}{{"default", def}, {"random", rnd}} {
			t := time.Now()
			v, err := m.enc.Encode(ctx, texts)
			if err != nil {
				return fmt.Errorf("encode %s with %s: %w", lang, m.name, err)
			}
			score(m.name, Dense(v), time.Since(t).Seconds())
		}
		t := time.Now()
		score("tfidf", TFIDF(texts, terms), time.Since(t).Seconds())
	}

	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-4s %-8s %6s %4s %13s %8s %8s\n", "lang", "model", "n", "k", "centroid_acc", "nmi", "seconds")
	for _, r := range results {
		fmt.Fprintf(w, "%-4s %-8s %6d %4d %13.4f %8.4f %8.1f\n", r.lang, r.model, r.n, r.k, r.acc, r.nmi, r.secs)
	}
	fmt.Fprintln(w)
	get := func(lang, model string) *result {
		for i := range results {
			if results[i].lang == lang && results[i].model == model {
				return &results[i]
			}
		}
		return nil
	}
	for _, r := range results {
		fmt.Fprintf(w, "FIGURE eval.encoder.%s.%s.centroid_acc %.4f\n", r.lang, r.model, r.acc)
		fmt.Fprintf(w, "FIGURE eval.encoder.%s.%s.nmi %.4f\n", r.lang, r.model, r.nmi)
	}
	for _, lang := range langs {
		d, t := get(lang, "default"), get(lang, "tfidf")
		if d == nil || t == nil {
			continue
		}
		fmt.Fprintf(w, "FIGURE eval.encoder.%s.default_minus_tfidf.centroid_acc %.4f\n", lang, d.acc-t.acc)
		fmt.Fprintf(w, "FIGURE eval.encoder.%s.default_minus_tfidf.nmi %.4f\n", lang, d.nmi-t.nmi)
		verdict := "beats"
		if d.acc <= t.acc || d.nmi <= t.nmi {
			verdict = "does NOT beat"
		}
		fmt.Fprintf(w, "%s: default %s tfidf (centroid_acc %+.4f, nmi %+.4f)\n", lang, verdict, d.acc-t.acc, d.nmi-t.nmi)
	}
	return nil
}
