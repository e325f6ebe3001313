// Command simtune measures the parts of reader's hybrid profile similarity on the development
// half of the shared data sets and prints the fusion weights and calibration reader ships
// (internal/eval/simtune).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/profilestream/profilestream/internal/encoder"
	"github.com/profilestream/profilestream/internal/eval/simtune"
)

func main() {
	dataDir := flag.String("data", "../shared/data", "folder of the shared data sets")
	sets := flag.String("sets", "amazon_5core,amazon_2023,taobao,chinese", "comma-separated data sets: "+strings.Join(simtune.SetNames(), ", "))
	maxUsers := flag.Int("max-users", 1500, "users per set (0 = all)")
	modelDir := flag.String("model", "", "encoder model folder; empty = the bundled model")
	maxLen := flag.Int("max-tokens", 128, "encoder: tokens per text")
	topCats := flag.Int("top-categories", 0, "profilestore TopCategories (0 = its default)")
	topTerms := flag.Int("top-terms", 0, "profilestore TopTerms (0 = its default)")
	topItems := flag.Int("top-items", 0, "profilestore TopItems (0 = its default)")
	noBTab := flag.Bool("no-behavior-table", false, "compare the stored hashed behaviour vectors instead of fitting the learned behaviour table")
	flag.Parse()
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	var enc *encoder.Model
	var err error
	if *modelDir == "" {
		enc, err = encoder.LoadDefault(encoder.Options{MaxLength: *maxLen})
	} else {
		enc, err = encoder.Load(*modelDir, encoder.Options{MaxLength: *maxLen})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "simtune:", err)
		os.Exit(1)
	}
	cache, _ := os.UserCacheDir()
	err = simtune.Run(ctx, simtune.Config{DataDir: *dataDir, Sets: strings.Split(*sets, ","), MaxUsers: *maxUsers,
		TopCategories: *topCats, TopTerms: *topTerms, TopItems: *topItems, NoBehaviorTable: *noBTab,
		Encoder: enc, CacheDir: filepath.Join(cache, "profilestream"), Out: os.Stdout})
	if err != nil {
		fmt.Fprintln(os.Stderr, "simtune:", err)
		os.Exit(1)
	}
}
