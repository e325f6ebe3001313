package encoder

import (
	"archive/zip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/nlpodyssey/gopickle/pytorch"
	"github.com/nlpodyssey/gopickle/types"
)

// Errors of checkpoint loading. Every error returned by Load wraps one of these and names the
// file (and the tensor, where one is concerned).
var (
	ErrMissingFile    = errors.New("encoder: missing file")
	ErrMissingTensor  = errors.New("encoder: missing tensor")
	ErrShapeMismatch  = errors.New("encoder: tensor shape mismatch")
	ErrBadWeights     = errors.New("encoder: unreadable weights")
	ErrBadConfig      = errors.New("encoder: bad config")
	ErrUnsupportedAct = errors.New("encoder: unsupported hidden_act")
)

// tensor is one weight as float32 values in row-major order.
type tensor struct {
	shape []int
	data  []float32
}

// Config is the part of a Hugging Face BERT config.json the encoder uses.
type Config struct {
	VocabSize             int     `json:"vocab_size"`
	HiddenSize            int     `json:"hidden_size"`
	NumHiddenLayers       int     `json:"num_hidden_layers"`
	NumAttentionHeads     int     `json:"num_attention_heads"`
	IntermediateSize      int     `json:"intermediate_size"`
	HiddenAct             string  `json:"hidden_act"`
	MaxPositionEmbeddings int     `json:"max_position_embeddings"`
	TypeVocabSize         int     `json:"type_vocab_size"`
	LayerNormEps          float64 `json:"layer_norm_eps"`
	ModelType             string  `json:"model_type"`
	NameOrPath            string  `json:"_name_or_path"`
}

func parseConfig(data []byte) (Config, error) {
	c := Config{HiddenAct: "gelu", LayerNormEps: 1e-12, TypeVocabSize: 2}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("%w: config.json: %w", ErrBadConfig, err)
	}
	return parseConfigValues(c)
}

// parseConfigValues checks a config's values.
func parseConfigValues(c Config) (Config, error) {
	switch {
	case c.VocabSize <= 0, c.HiddenSize <= 0, c.NumHiddenLayers <= 0, c.NumAttentionHeads <= 0,
		c.IntermediateSize <= 0, c.MaxPositionEmbeddings <= 0:
		return c, fmt.Errorf("%w: config.json: vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size and max_position_embeddings must be positive", ErrBadConfig)
	case c.HiddenSize%c.NumAttentionHeads != 0:
		return c, fmt.Errorf("%w: config.json: hidden_size %d not divisible by num_attention_heads %d", ErrBadConfig, c.HiddenSize, c.NumAttentionHeads)
	}
	if _, err := activation(c.HiddenAct); err != nil {
		return c, fmt.Errorf("config.json: %w", err)
	}
	return c, nil
}

// readSafetensors parses the safetensors format: an 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}} and the raw little-endian tensor bytes. F32, F16,
// BF16 and F64 tensors are converted to float32; other dtypes are skipped.
func readSafetensors(name string, data []byte) (map[string]tensor, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("%w: %s: file too short", ErrBadWeights, name)
	}
	n := binary.LittleEndian.Uint64(data)
	if n > uint64(len(data)-8) {
		return nil, fmt.Errorf("%w: %s: header length %d beyond file size %d", ErrBadWeights, name, n, len(data))
	}
	var header map[string]json.RawMessage
	if err := json.Unmarshal(data[8:8+n], &header); err != nil {
		return nil, fmt.Errorf("%w: %s: header: %w", ErrBadWeights, name, err)
	}
	body := data[8+n:]
	out := make(map[string]tensor, len(header))
	for key, raw := range header {
		if key == "__metadata__" {
			continue
		}
		var h struct {
			Dtype   string   `json:"dtype"`
			Shape   []int    `json:"shape"`
			Offsets []uint64 `json:"data_offsets"`
		}
		if err := json.Unmarshal(raw, &h); err != nil {
			return nil, fmt.Errorf("%w: %s: tensor %s: %w", ErrBadWeights, name, key, err)
		}
		count := 1
		for _, d := range h.Shape {
			if d < 0 {
				return nil, fmt.Errorf("%w: %s: tensor %s: negative dimension", ErrBadWeights, name, key)
			}
			count *= d
		}
		if len(h.Offsets) != 2 || h.Offsets[0] > h.Offsets[1] || h.Offsets[1] > uint64(len(body)) {
			return nil, fmt.Errorf("%w: %s: tensor %s: data_offsets %v outside the file", ErrBadWeights, name, key, h.Offsets)
		}
		b := body[h.Offsets[0]:h.Offsets[1]]
		var size int
		switch h.Dtype {
		case "F32":
			size = 4
		case "F16", "BF16":
			size = 2
		case "F64":
			size = 8
		default:
			continue // integer buffers such as position_ids
		}
		if len(b) != count*size {
			return nil, fmt.Errorf("%w: %s: tensor %s: %d bytes for shape %v of %s", ErrBadWeights, name, key, len(b), h.Shape, h.Dtype)
		}
		v := make([]float32, count)
		for i := range v {
			switch h.Dtype {
			case "F32":
				v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			case "F16":
				v[i] = math.Float32frombits(pytorch.FloatBits16to32(binary.LittleEndian.Uint16(b[2*i:])))
			case "BF16":
				v[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
			case "F64":
				v[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
			}
		}
		out[key] = tensor{shape: h.Shape, data: v}
	}
	return out, nil
}

// readPytorchBin loads a torch.save'd state dict (zip format) through gopickle. gopickle reads
// from a path, so a file inside a non-OS fs.FS is first copied to a temporary file.
func readPytorchBin(fsys fs.FS, dirPath, name string) (map[string]tensor, error) {
	path := ""
	if dirPath != "" {
		path = dirPath + string(os.PathSeparator) + name
	} else {
		f, err := fsys.Open(name)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMissingFile, name, err)
		}
		defer f.Close()
		tmp, err := os.CreateTemp("", "encoder-*.bin")
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadWeights, name, err)
		}
		defer os.Remove(tmp.Name())
		if _, err := io.Copy(tmp, f); err != nil {
			tmp.Close()
			return nil, fmt.Errorf("%w: %s: %w", ErrBadWeights, name, err)
		}
		if err := tmp.Close(); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadWeights, name, err)
		}
		path = tmp.Name()
	}
	if zr, err := zip.OpenReader(path); err != nil {
		return nil, fmt.Errorf("%w: %s: not a torch zip archive (legacy torch.save formats are not supported): %w", ErrBadWeights, name, err)
	} else {
		zr.Close()
	}
	obj, err := pytorch.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadWeights, name, err)
	}
	var keys []string
	var get func(string) any
	switch d := obj.(type) {
	case *types.OrderedDict:
		for k := range d.Map {
			if s, ok := k.(string); ok {
				keys = append(keys, s)
			}
		}
		get = func(k string) any { v, _ := d.Get(k); return v }
	case *types.Dict:
		m := make(map[string]any, len(*d))
		for _, e := range *d {
			if s, ok := e.Key.(string); ok {
				keys = append(keys, s)
				m[s] = e.Value
			}
		}
		get = func(k string) any { return m[k] }
	default:
		return nil, fmt.Errorf("%w: %s: top-level object is %T, want a state dict", ErrBadWeights, name, obj)
	}
	sort.Strings(keys)
	out := make(map[string]tensor, len(keys))
	for _, k := range keys {
		t, ok := get(k).(*pytorch.Tensor)
		if !ok {
			continue
		}
		var src []float32
		switch s := t.Source.(type) {
		case *pytorch.FloatStorage:
			src = s.Data
		case *pytorch.HalfStorage:
			src = s.Data
		case *pytorch.BFloat16Storage:
			src = s.Data
		case *pytorch.DoubleStorage:
			src = make([]float32, len(s.Data))
			for i, x := range s.Data {
				src[i] = float32(x)
			}
		default:
			continue // integer buffers
		}
		v, err := gatherStrided(src, t.StorageOffset, t.Size, t.Stride)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: tensor %s: %w", ErrBadWeights, name, k, err)
		}
		out[k] = tensor{shape: append([]int(nil), t.Size...), data: v}
	}
	return out, nil
}

// gatherStrided copies a (possibly non-contiguous) strided view into a dense row-major slice.
func gatherStrided(src []float32, off int, size, stride []int) ([]float32, error) {
	if len(size) != len(stride) {
		return nil, fmt.Errorf("size %v and stride %v differ in rank", size, stride)
	}
	n := 1
	for _, d := range size {
		n *= d
	}
	out := make([]float32, n)
	idx := make([]int, len(size))
	for i := 0; i < n; i++ {
		p := off
		for d := range idx {
			p += idx[d] * stride[d]
		}
		if p < 0 || p >= len(src) {
			return nil, fmt.Errorf("element %d at storage offset %d outside storage of %d", i, p, len(src))
		}
		out[i] = src[p]
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < size[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, nil
}

// weightSet resolves Hugging Face parameter names in either key layout ("bert.embeddings..." or
// "embeddings...") and the old LayerNorm gamma/beta names, checking shapes.
type weightSet struct {
	file string
	m    map[string]tensor
}

func (w weightSet) get(name string, shape ...int) ([]float32, error) {
	cands := []string{name, "bert." + name}
	if strings.HasSuffix(name, "LayerNorm.weight") {
		g := strings.TrimSuffix(name, "weight") + "gamma"
		cands = append(cands, g, "bert."+g)
	} else if strings.HasSuffix(name, "LayerNorm.bias") {
		b := strings.TrimSuffix(name, "bias") + "beta"
		cands = append(cands, b, "bert."+b)
	}
	for _, c := range cands {
		t, ok := w.m[c]
		if !ok {
			continue
		}
		if !equalShape(t.shape, shape) {
			return nil, fmt.Errorf("%w: %s: tensor %s has shape %v, config says %v", ErrShapeMismatch, w.file, c, t.shape, shape)
		}
		return t.data, nil
	}
	return nil, fmt.Errorf("%w: %s: tensor %s (nor bert.%s)", ErrMissingTensor, w.file, name, name)
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
