package profilestore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
)

// casManyScript is casScript for several users in one call, to spread the fixed cost of a
// script invocation (about 10 µs in Redis 7) over many users. All keys of one call are in one
// Redis Cluster slot (or the server is not a cluster).
// KEYS: per user i, KEYS[2i-1] profile and KEYS[2i] erasure ledger.
// ARGV[1] TTL ms; then per user: expected version, expected creation id, number of field/value
// arguments n, then the n arguments.
// Returns one integer per user, with casScript's meaning.
var casManyScript = newScript(`
local ttl = tonumber(ARGV[1])
local res = {}
local a = 2
for i = 1, #KEYS / 2 do
  local k, l = KEYS[2*i-1], KEYS[2*i]
  local ev, ec, nf = ARGV[a], ARGV[a+1], tonumber(ARGV[a+2])
  local s, e = a + 3, a + 2 + nf
  a = e + 1
  if redis.call('EXISTS', l) == 1 then
    res[i] = -2
  else
    local cur = redis.call('HMGET', k, 'ver', 'cid', 'mv')
    if cur[3] then
      res[i] = -3
    elseif (cur[1] or '0') ~= ev or (cur[2] or '') ~= ec then
      res[i] = -1
    else
      local nv = tonumber(cur[1] or '0') + 1
      redis.call('HSET', k, 'ver', nv, unpack(ARGV, s, e))
      if ttl > 0 then redis.call('PEXPIRE', k, ttl) end
      res[i] = nv
    end
  end
end
return res
`)

// casWrite is one user's compare-and-set write.
type casWrite struct {
	pseudonym      string
	expVer, expCID string
	fields         []interface{}
}

// writeCAS runs the compare-and-set writes in one pipeline and returns one result per write
// (new version, -1 conflict, -2 erased, -3 moved). Writes are grouped per Redis Cluster slot
// (all together on a non-cluster server, one per user on a Ring) and chunked to
// Options.ScriptBatch users per script call.
func (s *Store) writeCAS(ctx context.Context, ws []casWrite) ([]int64, error) {
	if c, ok := s.rdb.(*redis.Client); ok && !s.opts.UseScript {
		// WATCH costs O(keys watched so far) per key in Redis 7 (it scans the client's list of
		// watched keys), so transactions stay small; the chunks run on parallel connections so
		// that their round trips overlap.
		out := make([]int64, len(ws))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(8)
		for lo := 0; lo < len(ws); lo += s.opts.ScriptBatch {
			hi := min(lo+s.opts.ScriptBatch, len(ws))
			g.Go(func() error {
				r, err := s.writeWatch(gctx, c, ws[lo:hi])
				if err != nil {
					return err
				}
				copy(out[lo:hi], r)
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		return out, nil
	}
	groups := map[int][]int{}
	var order []int
	for i, w := range ws {
		g := 0
		switch s.rdb.(type) {
		case *redis.ClusterClient:
			g = int(Slot(w.pseudonym))
		case *redis.Client:
		default:
			g = i
		}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], i)
	}
	ttl := fmtInt(s.opts.TTL.Milliseconds())
	var calls []scriptCall
	var members [][]int
	for _, g := range order {
		idx := groups[g]
		for lo := 0; lo < len(idx); lo += s.opts.ScriptBatch {
			chunk := idx[lo:min(lo+s.opts.ScriptBatch, len(idx))]
			c := scriptCall{keys: make([]string, 0, 2*len(chunk)), args: []interface{}{ttl}}
			for _, i := range chunk {
				w := ws[i]
				c.keys = append(c.keys, s.key(w.pseudonym), s.ledger(w.pseudonym))
				c.args = append(c.args, w.expVer, w.expCID, len(w.fields))
				c.args = append(c.args, w.fields...)
			}
			calls = append(calls, c)
			members = append(members, chunk)
		}
	}
	cmds, err := s.runScripts(ctx, casManyScript, calls)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(ws))
	for c, chunk := range members {
		vals, err := cmds[c].Int64Slice()
		if err != nil {
			return nil, err
		}
		if len(vals) != len(chunk) {
			return nil, fmt.Errorf("compare-and-set script returned %d results for %d users", len(vals), len(chunk))
		}
		for j, i := range chunk {
			out[i] = vals[j]
		}
	}
	return out, nil
}

// Slot returns the Redis Cluster hash slot of every key of a pseudonym (CRC16/XMODEM of the hash
// tag, modulo 16384).
func Slot(pseudonym string) uint16 {
	var crc uint16
	for i := 0; i < len(pseudonym); i++ {
		crc ^= uint16(pseudonym[i]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}

// writeWatch is writeCAS on a single (non-cluster) server without Lua: optimistic locking with
// WATCH/MULTI/EXEC on one connection, two round trips per chunk of users. The first pipeline WATCHes the
// profiles and ledger keys and reads their versions; users whose stored version differs (or who
// are erased or moved) get their result now; the rest are written in one MULTI/EXEC, which Redis
// discards when any watched key changed in between (then every write of the batch reports a
// conflict and is recomputed). Blobs never pass through Lua, whose argument handling costs more
// than the HSET itself for 384-dim vectors.
func (s *Store) writeWatch(ctx context.Context, c *redis.Client, ws []casWrite) ([]int64, error) {
	out := make([]int64, len(ws))
	// Only the profile keys are watched: Forget always modifies the profile key (even an absent
	// one), so an erasure after the EXISTS read below aborts the transaction. WATCH costs grow
	// with the square of the keys watched, so this halves the keys for a quarter of the cost.
	keys := make([]interface{}, 0, 1+len(ws))
	keys = append(keys, "WATCH")
	for _, w := range ws {
		keys = append(keys, s.key(w.pseudonym))
	}
	ttl := s.opts.TTL
	err := c.Watch(ctx, func(tx *redis.Tx) error {
		hm := make([]*redis.SliceCmd, len(ws))
		ex := make([]*redis.IntCmd, len(ws))
		_, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Do(ctx, keys...)
			for i, w := range ws {
				hm[i] = p.HMGet(ctx, s.key(w.pseudonym), fVer, fCID, fMoved)
				// An existing profile cannot be erased: Forget deletes it, so a version match
				// proves there was no erasure. Only a new profile needs the ledger check.
				if w.expVer == "0" {
					ex[i] = p.Exists(ctx, s.ledger(w.pseudonym))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		var ok []int
		for i, w := range ws {
			v := hm[i].Val()
			ver, _ := v[0].(string)
			cid, _ := v[1].(string)
			if ver == "" {
				ver = "0"
			}
			switch {
			case ex[i] != nil && ex[i].Val() == 1:
				out[i] = -2
			case v[2] != nil:
				out[i] = -3
			case ver != w.expVer || cid != w.expCID:
				out[i] = -1
			default:
				ok = append(ok, i)
			}
		}
		if len(ok) == 0 {
			return nil
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range ok {
				w := ws[i]
				n, _ := strconv.ParseInt(w.expVer, 10, 64)
				out[i] = n + 1
				args := make([]interface{}, 0, 2+len(w.fields))
				args = append(args, fVer, out[i])
				args = append(args, w.fields...)
				p.HSet(ctx, s.key(w.pseudonym), args...)
				if ttl > 0 {
					p.PExpire(ctx, s.key(w.pseudonym), ttl)
				}
			}
			return nil
		})
		if errors.Is(err, redis.TxFailedErr) {
			for _, i := range ok {
				out[i] = -1
			}
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
