package online

// UserSample is a sample of at most Size users with each sampled user's latest vector: the
// users whose pseudonym hashes are the Size smallest (a bottom-k sketch). The sample is uniform
// over distinct users however many updates each user has, a sampled user's vector is replaced
// by every newer update (so the sample follows growing and drifting profiles), and every worker
// with the same Size samples the same users.
type UserSample struct {
	size int
	idx  map[string]int // pseudonym -> heap position
	// a max-heap on hash: position 0 holds the largest hash, the first to leave.
	keys   []string
	hashes []uint64
	xs     [][]float32
}

// NewUserSample returns an empty sample of at most size users.
func NewUserSample(size int) *UserSample {
	return &UserSample{size: size, idx: make(map[string]int, size)}
}

func userHash(p string) uint64 {
	// FNV-1a over the bytes (no allocation), then a 64-bit finalizer (splitmix64), because
	// FNV's low bits are weak for short similar keys.
	h := uint64(14695981039346656037)
	for i := 0; i < len(p); i++ {
		h ^= uint64(p[i])
		h *= 1099511628211
	}
	z := h + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Offer records x as user p's latest vector when p is (or now enters) the sample. x is kept,
// not copied.
func (s *UserSample) Offer(p string, x []float32) {
	if i, ok := s.idx[p]; ok {
		s.xs[i] = x
		return
	}
	if s.size <= 0 {
		return
	}
	h := userHash(p)
	if len(s.keys) < s.size {
		s.keys, s.hashes, s.xs = append(s.keys, p), append(s.hashes, h), append(s.xs, x)
		s.idx[p] = len(s.keys) - 1
		s.up(len(s.keys) - 1)
		return
	}
	if h >= s.hashes[0] {
		return
	}
	delete(s.idx, s.keys[0])
	s.keys[0], s.hashes[0], s.xs[0] = p, h, x
	s.idx[p] = 0
	s.down(0)
}

// Len returns the number of sampled users.
func (s *UserSample) Len() int { return len(s.keys) }

// Vectors returns a copy of the slice of the sampled users' latest vectors (the vectors are
// shared).
func (s *UserSample) Vectors() [][]float32 { return append([][]float32(nil), s.xs...) }

func (s *UserSample) swap(i, j int) {
	s.keys[i], s.keys[j] = s.keys[j], s.keys[i]
	s.hashes[i], s.hashes[j] = s.hashes[j], s.hashes[i]
	s.xs[i], s.xs[j] = s.xs[j], s.xs[i]
	s.idx[s.keys[i]], s.idx[s.keys[j]] = i, j
}

func (s *UserSample) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if s.hashes[p] >= s.hashes[i] {
			return
		}
		s.swap(i, p)
		i = p
	}
}

func (s *UserSample) down(i int) {
	n := len(s.keys)
	for {
		l, big := 2*i+1, i
		if l < n && s.hashes[l] > s.hashes[big] {
			big = l
		}
		if r := l + 1; r < n && s.hashes[r] > s.hashes[big] {
			big = r
		}
		if big == i {
			return
		}
		s.swap(i, big)
		i = big
	}
}
