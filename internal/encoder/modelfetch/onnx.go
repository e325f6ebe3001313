package modelfetch

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrONNX reports an ONNX graph ConvertONNX cannot turn into BERT parameters.
var ErrONNX = errors.New("modelfetch: onnx")

// onnxTensor is a float32 initializer.
type onnxTensor struct {
	dims []int
	data []float32
}

type onnxNode struct {
	op      string
	inputs  []string
	outputs []string
}

// ConvertONNXFile reads a BERT encoder exported to ONNX (as by Hugging Face optimum, without
// graph fusions) and writes its parameters to a model.safetensors under Hugging Face names.
// See ConvertONNX.
func ConvertONNXFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrONNX, err)
	}
	tensors, err := ConvertONNX(b)
	if err != nil {
		return err
	}
	out, err := encodeSafetensors(tensors)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		return fmt.Errorf("modelfetch: %w", err)
	}
	return nil
}

// ConvertONNX maps an exported BERT graph's initializers to Hugging Face parameter names.
// Initializers that already carry a parameter name (embeddings, biases, LayerNorms) keep it. A
// linear layer's weight is exported as an anonymous MatMul operand [in, out]; its name comes
// from the bias the following Add node adds ("X.bias" gives "X.weight"), and it is transposed
// to PyTorch's [out, in]. Anything left unnamed is an error, so a graph of another shape is
// refused rather than converted wrongly.
func ConvertONNX(model []byte) (map[string]onnxTensor, error) {
	inits, nodes, err := parseONNX(model)
	if err != nil {
		return nil, err
	}
	out := make(map[string]onnxTensor)
	for name, t := range inits {
		if strings.HasSuffix(name, ".weight") || strings.HasSuffix(name, ".bias") {
			out[name] = t
		}
	}
	consumers := make(map[string][]onnxNode)
	for _, n := range nodes {
		for _, in := range n.inputs {
			consumers[in] = append(consumers[in], n)
		}
	}
	used := make(map[string]bool)
	for _, n := range nodes {
		if n.op != "MatMul" || len(n.inputs) != 2 || len(n.outputs) != 1 {
			continue
		}
		w, ok := inits[n.inputs[1]]
		if !ok || len(w.dims) != 2 {
			continue // activations times activations (attention scores)
		}
		var bias string
		for _, c := range consumers[n.outputs[0]] {
			if c.op != "Add" {
				continue
			}
			for _, in := range c.inputs {
				if in != n.outputs[0] && strings.HasSuffix(in, ".bias") {
					bias = in
				}
			}
		}
		if bias == "" {
			return nil, fmt.Errorf("%w: MatMul weight %q is not followed by an Add of a named bias", ErrONNX, n.inputs[1])
		}
		name := strings.TrimSuffix(bias, ".bias") + ".weight"
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%w: two weights for %s", ErrONNX, name)
		}
		in, o := w.dims[0], w.dims[1]
		tr := make([]float32, len(w.data))
		for i := 0; i < in; i++ {
			for j := 0; j < o; j++ {
				tr[j*in+i] = w.data[i*o+j]
			}
		}
		out[name] = onnxTensor{dims: []int{o, in}, data: tr}
		used[n.inputs[1]] = true
	}
	for name, t := range inits {
		if len(t.dims) == 2 && !used[name] && !strings.HasSuffix(name, ".weight") {
			return nil, fmt.Errorf("%w: 2-D initializer %q has no parameter name", ErrONNX, name)
		}
	}
	if _, ok := out["embeddings.word_embeddings.weight"]; !ok {
		return nil, fmt.Errorf("%w: no embeddings.word_embeddings.weight: not a BERT export", ErrONNX)
	}
	return out, nil
}

// parseONNX reads ModelProto.graph's float initializers and nodes with the protobuf wire format
// (onnx.proto field numbers: ModelProto.graph 7; GraphProto.node 1, initializer 5; NodeProto
// input 1, output 2, op_type 4; TensorProto dims 1, data_type 2, float_data 4, name 8,
// raw_data 9, data_location 14).
func parseONNX(b []byte) (map[string]onnxTensor, []onnxNode, error) {
	var graph []byte
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num == 7 && typ == protowire.BytesType {
			graph = v
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if graph == nil {
		return nil, nil, fmt.Errorf("%w: no graph", ErrONNX)
	}
	inits := make(map[string]onnxTensor)
	var nodes []onnxNode
	err = fields(graph, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			var n onnxNode
			err := fields(v, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if typ != protowire.BytesType {
					return nil
				}
				switch num {
				case 1:
					n.inputs = append(n.inputs, string(v))
				case 2:
					n.outputs = append(n.outputs, string(v))
				case 4:
					n.op = string(v)
				}
				return nil
			})
			nodes = append(nodes, n)
			return err
		case num == 5 && typ == protowire.BytesType:
			name, t, err := parseTensor(v)
			if err != nil {
				return err
			}
			if t != nil {
				inits[name] = *t
			}
		}
		return nil
	})
	return inits, nodes, err
}

func parseTensor(b []byte) (string, *onnxTensor, error) {
	var (
		name     string
		dims     []int
		dtype    uint64
		raw      []byte
		floats   []float32
		external bool
	)
	err := fields(b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch num {
		case 1:
			if typ == protowire.VarintType {
				dims = append(dims, int(x))
			} else if typ == protowire.BytesType {
				for len(v) > 0 {
					d, n := protowire.ConsumeVarint(v)
					if n < 0 {
						return fmt.Errorf("%w: bad dims", ErrONNX)
					}
					dims = append(dims, int(d))
					v = v[n:]
				}
			}
		case 2:
			dtype = x
		case 4:
			if typ == protowire.Fixed32Type {
				floats = append(floats, math.Float32frombits(uint32(x)))
			} else if typ == protowire.BytesType {
				for i := 0; i+4 <= len(v); i += 4 {
					floats = append(floats, math.Float32frombits(binary.LittleEndian.Uint32(v[i:])))
				}
			}
		case 8:
			name = string(v)
		case 9:
			raw = v
		case 14:
			external = x == 1
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	if dtype != 1 { // only FLOAT initializers are parameters of an F32 export
		return name, nil, nil
	}
	if external {
		return "", nil, fmt.Errorf("%w: initializer %q is stored outside the .onnx file", ErrONNX, name)
	}
	n := 1
	for _, d := range dims {
		n *= d
	}
	if raw != nil {
		if len(raw) != 4*n {
			return "", nil, fmt.Errorf("%w: initializer %q: %d raw bytes for %d floats", ErrONNX, name, len(raw), n)
		}
		floats = make([]float32, n)
		for i := range floats {
			floats[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	}
	if len(floats) != n {
		return "", nil, fmt.Errorf("%w: initializer %q: %d values for shape %v", ErrONNX, name, len(floats), dims)
	}
	return name, &onnxTensor{dims: dims, data: floats}, nil
}

// fields calls f for every field of one protobuf message: v holds a length-delimited value,
// x a varint or fixed value.
func fields(b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: bad protobuf tag", ErrONNX)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var y uint32
			y, n = protowire.ConsumeFixed32(b)
			x = uint64(y)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return fmt.Errorf("%w: bad protobuf field %d", ErrONNX, num)
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// encodeSafetensors writes F32 tensors in name order (the output depends only on the input).
func encodeSafetensors(ts map[string]onnxTensor) ([]byte, error) {
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	sort.Strings(names)
	type entry struct {
		Dtype   string `json:"dtype"`
		Shape   []int  `json:"shape"`
		Offsets [2]int `json:"data_offsets"`
	}
	header := make(map[string]entry, len(names))
	off := 0
	for _, n := range names {
		sz := 4 * len(ts[n].data)
		header[n] = entry{Dtype: "F32", Shape: ts[n].dims, Offsets: [2]int{off, off + sz}}
		off += sz
	}
	hm := map[string]any{"__metadata__": map[string]string{"format": "pt"}} // transformers requires it
	for n, e := range header {
		hm[n] = e
	}
	h, err := json.Marshal(hm) // map keys are sorted by encoding/json
	if err != nil {
		return nil, fmt.Errorf("modelfetch: %w", err)
	}
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	var buf bytes.Buffer
	buf.Grow(8 + len(h) + off)
	var l [8]byte
	binary.LittleEndian.PutUint64(l[:], uint64(len(h)))
	buf.Write(l[:])
	buf.Write(h)
	var w [4]byte
	for _, n := range names {
		for _, x := range ts[n].data {
			binary.LittleEndian.PutUint32(w[:], math.Float32bits(x))
			buf.Write(w[:])
		}
	}
	return buf.Bytes(), nil
}
