package encoder

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
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
				v[i] = f16to32(binary.LittleEndian.Uint16(b[2*i:]))
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

// readPytorchBin loads a torch.save'd state dict (the zip format of torch >= 1.6). The pickle is
// read with gopickle, but storages are decoded here from the archive's raw little-endian bytes:
// gopickle's own half-precision conversion gets subnormal values wrong.
func readPytorchBin(name string, data []byte) (map[string]tensor, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: not a torch zip archive (legacy torch.save formats are not supported): %w", ErrBadWeights, name, err)
	}
	records := map[string]*zip.File{}
	var pkl *zip.File
	for _, f := range zr.File {
		records[f.Name] = f
		if path.Base(f.Name) == "data.pkl" && pkl == nil {
			pkl = f
		}
	}
	if pkl == nil {
		return nil, fmt.Errorf("%w: %s: no data.pkl in the archive", ErrBadWeights, name)
	}
	prefix := strings.TrimSuffix(pkl.Name, "data.pkl")
	rc, err := pkl.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadWeights, name, err)
	}
	defer rc.Close()
	u := pickle.NewUnpickler(rc)
	u.FindClass = func(module, cls string) (any, error) {
		full := module + "." + cls
		switch full {
		case "torch._utils._rebuild_tensor_v2":
			return &pytorch.RebuildTensorV2{}, nil
		case "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage":
			return &rawStorageClass{dtype: strings.TrimSuffix(cls, "Storage")}, nil
		}
		if module == "torch" && strings.HasSuffix(cls, "Storage") {
			return &rawStorageClass{dtype: ""}, nil // integer buffers: kept out of the weights
		}
		return types.NewGenericClass(module, cls), nil
	}
	loaded := map[string]*rawStorage{}
	u.PersistentLoad = func(id any) (any, error) {
		t, ok := id.(*types.Tuple)
		if !ok || t.Len() < 5 {
			return nil, fmt.Errorf("persistent id %v: want a 5-tuple", id)
		}
		class, ok1 := t.Get(1).(*rawStorageClass)
		key, ok2 := t.Get(2).(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("persistent id %v: unexpected types", id)
		}
		if st, ok := loaded[key]; ok {
			return st, nil
		}
		st := &rawStorage{dtype: class.dtype}
		if class.dtype != "" {
			f, ok := records[prefix+"data/"+key]
			if !ok {
				return nil, fmt.Errorf("storage %s missing from the archive", key)
			}
			r, err := f.Open()
			if err != nil {
				return nil, err
			}
			raw, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				return nil, err
			}
			if st.data, err = decodeFloats(class.dtype, raw); err != nil {
				return nil, fmt.Errorf("storage %s: %w", key, err)
			}
		}
		loaded[key] = st
		return st, nil
	}
	obj, err := u.Load()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadWeights, name, err)
	}
	items := map[string]any{}
	switch d := obj.(type) {
	case *types.OrderedDict:
		for k, e := range d.Map {
			if s, ok := k.(string); ok {
				items[s] = e.Value
			}
		}
	case *types.Dict:
		for _, e := range *d {
			if s, ok := e.Key.(string); ok {
				items[s] = e.Value
			}
		}
	default:
		return nil, fmt.Errorf("%w: %s: top-level object is %T, want a state dict", ErrBadWeights, name, obj)
	}
	out := make(map[string]tensor, len(items))
	for k, v := range items {
		t, ok := v.(*pytorch.Tensor)
		if !ok {
			continue
		}
		st, ok := t.Source.(*rawStorage)
		if !ok || st.dtype == "" {
			continue
		}
		vals, err := gatherStrided(st.data, t.StorageOffset, t.Size, t.Stride)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: tensor %s: %w", ErrBadWeights, name, k, err)
		}
		out[k] = tensor{shape: append([]int(nil), t.Size...), data: vals}
	}
	return out, nil
}

// rawStorageClass and rawStorage stand in for torch's typed storages while unpickling.
type rawStorageClass struct{ dtype string } // "Float", "Half", "BFloat16", "Double"; "" for integers

func (c *rawStorageClass) New(size int, location string) pytorch.StorageInterface {
	return &rawStorage{dtype: c.dtype}
}

type rawStorage struct {
	dtype string
	data  []float32
}

func (s *rawStorage) SetFromFile(r io.Reader) error                   { return nil }
func (s *rawStorage) SetFromFileWithSize(r io.Reader, size int) error { return nil }

func decodeFloats(dtype string, b []byte) ([]float32, error) {
	size := map[string]int{"Float": 4, "Half": 2, "BFloat16": 2, "Double": 8}[dtype]
	if size == 0 || len(b)%size != 0 {
		return nil, fmt.Errorf("%d bytes of %s", len(b), dtype)
	}
	v := make([]float32, len(b)/size)
	for i := range v {
		switch dtype {
		case "Float":
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		case "Half":
			v[i] = f16to32(binary.LittleEndian.Uint16(b[2*i:]))
		case "BFloat16":
			v[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		case "Double":
			v[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	}
	return v, nil
}

// f16to32 converts IEEE 754 half precision to float32 exactly, subnormals, infinities and NaN
// included.
func f16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0 && man == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: man * 2^-24
		v := float32(man) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
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
