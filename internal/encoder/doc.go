// Package encoder turns review text into sentence embeddings with a BERT-family transformer.
//
// A text goes through three steps. The tokenizer first cleans it (control characters, NUL and
// U+FFFD dropped, whitespace normalized, optional lowercasing and accent stripping), splits it
// into words at whitespace, punctuation and around every CJK character, and cuts each word into
// WordPiece sub-words from the model's vocabulary, framed by [CLS] and [SEP] and truncated to the
// model's maximum length. The transformer then maps the token ids to one hidden vector per token:
// word, position and token-type embeddings, followed by N layers of masked multi-head
// self-attention and a feed-forward network with the exact (erf) GELU, each with a residual
// connection and LayerNorm, exactly as the checkpoint's config.json says. Finally the token
// vectors are pooled into one sentence vector (the mean over real tokens by default, or the
// [CLS] vector) and L2-normalized, so that cosine similarity is a dot product.
//
// The parameters are spago matrices (nn.Param holding mat.Dense[float32]). Inference needs no
// autograd graph, so the forward pass computes directly on the parameter values: a batch's
// sequences are sorted by length and cut into buckets, and each bucket goes through every layer as
// matrix-matrix products, spread over Options.Threads goroutines. By default matrix products
// pack B into panels and run an assembly micro-kernel (internal/simd): AVX-512 (12x32 tiles) or
// AVX2/FMA (6x16), chosen at run time from CPUID, with a portable Go kernel on other CPUs
// (Options.Kernel forces one; the tests run every level the CPU has against the generic one).
// Softmax, layer norm (fused with the residual add) and GELU are vectorized the same way. Built
// with `-tags openblas` (cgo, Debian's libopenblas-dev) the float32 products go to OpenBLAS
// instead and the element-wise steps to vectorized C. Both backends pass the same tests.
//
// Precision (Options.Precision). The Linear layers' products, most of the work, run in float32,
// bfloat16 (weights rounded once at load, inputs per call, AVX512-BF16 dot products summed in
// float32) or int8 (weights quantized per output channel once at load, inputs per row at run
// time, AVX512-VNNI u8 x s8 dot products with the +128 offset compensated, int32 sums
// rescaled to float32 with the bias in the kernel's store; in the few input rows whose
// largest value exceeds 16 times their RMS, the outlier rows of [CLS]/[SEP] in many BERTs,
// those largest channels are taken out of the int8 product and added in float32). Query, Key
// and Value are one product in the lower precisions. Attention, softmax, layer norm, GELU and
// pooling stay float32 in every precision. The activation and the residual add + layer norm
// run as epilogues of the products before them, on each block of rows while it is in cache;
// attention runs per sequence, laying out all its heads in one pass over its rows. The default, PrecisionAuto, takes the fastest precision the CPU
// runs whose pooled vectors of the agreement texts (AgreementTexts) all have cosine >= 0.99 to
// float32's, measured once when the weights load; ModelID names any precision other than
// float32 ("+int8"), so vectors of different precisions are never mixed.
//
// Verification: tools/torch_reference/make_fixture.py (/usr/bin/python3 with Debian's torch)
// writes testdata/tiny-bert, a tiny random BERT in Hugging Face layout with the token ids,
// last hidden states and pooled vectors of a plain PyTorch BERT for 27 texts; TestMatchesPyTorch
// requires identical ids and a max abs difference of at most 1e-4 for the safetensors (F32) and
// pytorch_model.bin (F16, "bert." keys) weights. Speed: `go run ./cmd/encbench` (see there).
//
// Checkpoints load offline from a Hugging Face folder (config.json, vocab.txt or tokenizer.json,
// and model.safetensors or pytorch_model.bin); LoadDefault loads the model embedded by package
// models. A Cache in front of any Encoder remembers embeddings by a hash of the normalized text.
//
// Bad input never panics: empty text, emoji only, invalid UTF-8 (replaced, then dropped as
// U+FFFD), NUL bytes, right-to-left marks and zero-width characters (format characters, dropped)
// all give a defined vector; a text of any size is read only until the model's token limit is
// full, and the ids are always a prefix of the reference tokenization of the whole text.
//
// Lowercasing follows the tokenizer the model was published with: a folder with tokenizer.json
// lowercases character by character as the Hugging Face tokenizers library (and so
// sentence-transformers) does; a vocab.txt-only folder, such as the bundled model trained with
// BERT's original basic tokenizer, uses Python's str.lower (a word-final capital sigma becomes ς).
// testdata/tokenizer-reference.json holds the reference ids of both (TestTokenizerReference).
package encoder
