// Package cli gives every command-line flag an environment-variable twin.
//
// A flag named --batch-size can also be set as STREAMER_BATCH_SIZE. The flag wins when both are
// given; the environment wins over the default. Help output lists, for every flag, its default
// and its variable, so that a container can be configured from its environment alone.
package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// EnvName is the environment variable of a flag: STREAMER_ + upper snake case.
func EnvName(prefix, flagName string) string {
	return prefix + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(flagName))
}

// Command is one subcommand's flag set.
type Command struct {
	*flag.FlagSet
	Prefix  string // "STREAMER_"
	Summary string // one line
	Usage   string // "streamer run [flags]"
	Details string // paragraphs after the usage line
	groups  []Group
}

// Group is a titled set of flags, printed together in the help: a command with many flags
// (streamer run) groups them by concern.
type Group struct {
	Title string
	Flags []string // flag names without dashes, in the order the help lists them
}

// SetGroups makes PrintHelp list the flags group by group, in the order given; flags in no
// group follow under "Other". It changes the help only, never parsing.
func (c *Command) SetGroups(groups ...Group) { c.groups = groups }

// NewCommand returns a flag set whose help lists env variables.
func NewCommand(name, usage, summary, details string) *Command {
	c := &Command{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), Prefix: "STREAMER_", Summary: summary, Usage: usage, Details: details}
	c.FlagSet.Usage = func() { c.PrintHelp(c.FlagSet.Output()) }
	return c
}

// PrintHelp writes the usage, details and every flag with its default and variable.
func (c *Command) PrintHelp(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nUsage: %s\n", c.Summary, c.Usage)
	if c.Details != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Details))
	}
	var any bool
	c.VisitAll(func(f *flag.Flag) { any = true })
	if !any {
		return
	}
	fmt.Fprintf(w, "\nFlags (each also settable by its environment variable):\n")
	if len(c.groups) == 0 {
		c.VisitAll(func(f *flag.Flag) { c.printFlag(w, f) })
		return
	}
	grouped := map[string]bool{}
	for _, g := range c.groups {
		fmt.Fprintf(w, "\n%s:\n", g.Title)
		for _, name := range g.Flags {
			if f := c.Lookup(name); f != nil && !grouped[name] {
				grouped[name] = true
				c.printFlag(w, f)
			}
		}
	}
	other := false
	c.VisitAll(func(f *flag.Flag) {
		if grouped[f.Name] {
			return
		}
		if !other {
			fmt.Fprintf(w, "\nOther:\n")
			other = true
		}
		c.printFlag(w, f)
	})
}

func (c *Command) printFlag(w io.Writer, f *flag.Flag) {
	def := f.DefValue
	if def == "" {
		def = `""`
	}
	fmt.Fprintf(w, "  --%s  (env %s, default %s)\n", f.Name, EnvName(c.Prefix, f.Name), def)
	for _, line := range strings.Split(f.Usage, "\n") {
		fmt.Fprintf(w, "        %s\n", line)
	}
}

// Parse parses args, then fills every flag not given on the command line from its
// environment variable. A malformed variable is an error naming the variable.
func (c *Command) Parse(args []string) error {
	if err := c.FlagSet.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	c.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	c.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		name := EnvName(c.Prefix, f.Name)
		if v, ok := os.LookupEnv(name); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("environment variable %s: %w", name, e)
			}
		}
	})
	return err
}

// StringList is a comma-separated list flag.
type StringList []string

func (s *StringList) String() string { return strings.Join(*s, ",") }

// Set splits on commas and drops empty items.
func (s *StringList) Set(v string) error {
	*s = nil
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*s = append(*s, p)
		}
	}
	return nil
}
