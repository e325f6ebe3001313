// Package sample embeds the bundled sample data (see SOURCE.md in this folder), so that the demo
// and the tests run from the binary alone, without ../shared.
package sample

import "embed"

// FS holds the sample files: amazon-reviews.jsonl.gz, amazon-multicat.jsonl.gz,
// taobao-clicks.csv.gz, rees46-clicks.csv.gz and chinese-reviews.csv.gz.
//
//go:embed *.gz
var FS embed.FS

// Files lists the sample files in the order the demo replays them.
var Files = []string{"taobao-clicks.csv.gz", "rees46-clicks.csv.gz", "amazon-multicat.jsonl.gz", "amazon-reviews.jsonl.gz", "chinese-reviews.csv.gz"}
