package profilestore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/profilestream/profilestream/internal/redisscript"
	"github.com/profilestream/profilestream/schema"
)

// casManyScript is casScript for several users in one call, to spread the fixed cost of a
// script invocation (about 10 µs in Redis 7) over many users. All keys of one call are in one
// Redis Cluster slot (or the server is not a cluster).
// KEYS: per user i, KEYS[3i-2] profile, KEYS[3i-1] erasure ledger, KEYS[3i] version token
// (deleted on a write: this path does not keep it).
// ARGV[1] TTL ms; then per user: expected version, expected creation id, number of field/value
// arguments n, then the n arguments.
// Returns one integer per user, with casScript's meaning.
var casManyScript = redisscript.New(`
local ttl = tonumber(ARGV[1])
local res = {}
local a = 2
for i = 1, #KEYS / 3 do
  local k, l, vk = KEYS[3*i-2], KEYS[3*i-1], KEYS[3*i]
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
      redis.call('DEL', vk)
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
	cid            string // the profile's creation id after the write
	fields         []interface{}
	df             map[string]int64 // document-frequency counts of the write (schema.DFKey fields)
}

// writeCAS runs the compare-and-set writes in one pipeline and returns one result per write
// (new version, -1 conflict, -2 erased, -3 moved), and whether the document-frequency counts of
// the successful writes were added in the same atomic steps (the transaction path) or are left
// to the caller (the script path). Writes are grouped per Redis Cluster slot
// (all together on a non-cluster server, one per user on a Ring) and chunked to
// Options.ScriptBatch users per script call.
func (s *Store) writeCAS(ctx context.Context, ws []casWrite) ([]int64, bool, error) {
	if c, ok := s.rdb.(*redis.Client); ok && !s.opts.UseScript {
		out, err := s.writeTx(ctx, c, ws)
		return out, true, err
	}
	out, err := s.writeScript(ctx, ws)
	return out, false, err
}

// writeScript is writeCAS with casManyScript.
func (s *Store) writeScript(ctx context.Context, ws []casWrite) ([]int64, error) {
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
			c := scriptCall{keys: make([]string, 0, 3*len(chunk)), args: []interface{}{ttl}}
			for _, i := range chunk {
				w := ws[i]
				c.keys = append(c.keys, s.key(w.pseudonym), s.ledger(w.pseudonym), s.verKey(w.pseudonym))
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

// fenceScript is the check step of the transaction write path (writeTx). It runs inside a
// MULTI/EXEC, before the plain HSETs of the users' new fields, and does no vector math and
// touches no blob. KEYS[1] is the transaction's undo list; then per user i, KEYS[4i-2] profile,
// KEYS[4i-1] erasure ledger, KEYS[4i] aside key, KEYS[4i+1] version token. ARGV: per user,
// ARGV[2i-1] expected version ("0" for a new profile) and ARGV[2i] expected creation id.
//
// The check of an existing profile compares its version token ("<cid>:<ver>", read for all
// users with one MGET) with the expected one, and makes sure the profiles so vouched for still
// exist (one EXISTS over all of them): no call per user. Where the token is missing
// (written by another path, by Move, or before tokens existed) it falls back to reading "ver"
// and "cid" of the hash; a new profile is checked against the erasure ledger and for existence.
// A profile that Move froze or turned into a tombstone fails the check (both steps bump "ver"
// and delete the token), and Fold's re-read then redirects. For every user whose check fails it
// moves the stored profile out of the way (RENAME to the aside key; a string marker when there
// is none) and records it in the undo list, so that the HSETs queued after it land on a scratch
// hash that undoScript throws away.
// Returns one integer per user: 0 ok, -1 version conflict (or moved), -2 erased.
const fenceScript = `
local n = (#KEYS - 1) / 4
local vks = {}
for i = 1, n do vks[i] = KEYS[4*i+1] end
local toks = redis.call('MGET', unpack(vks))
-- A token vouches for a profile only while the profile exists: one EXISTS over all profiles
-- whose token matches, and a look at each only when some are missing.
local vouched = {}
for i = 1, n do
  local ev, tok = ARGV[2*i-1], toks[i]
  if ev ~= '0' and tok and tok == ARGV[2*i] .. ':' .. ev then vouched[#vouched+1] = KEYS[4*i-2] end
end
local gone = {}
if #vouched > 0 and redis.call('EXISTS', unpack(vouched)) < #vouched then
  for _, k in ipairs(vouched) do
    if redis.call('EXISTS', k) == 0 then gone[k] = true end
  end
end
local res = {}
for i = 1, n do
  local k, l, a, vk = KEYS[4*i-2], KEYS[4*i-1], KEYS[4*i], KEYS[4*i+1]
  local ev, ec = ARGV[2*i-1], ARGV[2*i]
  local tok = toks[i]
  local r = 0
  if ev == '0' then
    if tok or redis.call('EXISTS', k) == 1 then
      r = -1
    elseif redis.call('EXISTS', l) == 1 then
      r = -2
    end
  elseif tok then
    if tok ~= ec .. ':' .. ev or gone[k] then r = -1 end
  else
    local cur = redis.call('HMGET', k, 'ver', 'cid')
    if cur[1] ~= ev or cur[2] ~= ec then r = -1 end
  end
  if r ~= 0 then
    if redis.call('EXISTS', k) == 1 then
      redis.call('RENAME', k, a)
    else
      redis.call('SET', a, '')
    end
    redis.call('RPUSH', KEYS[1], k, a, vk)
  end
  res[i] = r
end
return res
`

// undoScript runs last in the transaction. For every user that fenceScript refused (listed in
// the undo list KEYS[1]) it deletes what the queued HSETs wrote, puts the stored profile back
// and deletes the version token the transaction wrote (the next write falls back to reading
// the hash); in the steady state (nothing refused) that is one EXISTS. Then it adds the
// document-frequency counts of the users whose write went through to the DF hash KEYS[2]
// (schema.DFKey): ARGV holds, per user with counts, the profile key, the number n of counted
// fields and n field/count pairs; the counts of a refused user are left out, equal fields of
// several users are summed into one HINCRBY. So the counts land in the same atomic step as the
// profile write: a redelivered batch (a duplicate) counts nothing, a crash loses nothing. The keys it restores were declared to fenceScript in
// the same transaction; only the single-server path uses it.
const undoScript = `
local refused = {}
if redis.call('EXISTS', KEYS[1]) == 1 then
  local l = redis.call('LRANGE', KEYS[1], 0, -1)
  for i = 1, #l, 3 do
    local k, a, vk = l[i], l[i+1], l[i+2]
    refused[k] = true
    redis.call('DEL', k, vk)
    if redis.call('TYPE', a)['ok'] == 'hash' then
      redis.call('RENAME', a, k)
    else
      redis.call('DEL', a)
    end
  end
  redis.call('DEL', KEYS[1])
end
-- document frequencies last: an error here (a DF key of the wrong type) leaves the undo done
if #ARGV > 0 then
  local sum, order = {}, {}
  local a = 1
  while a <= #ARGV do
    local k, n = ARGV[a], tonumber(ARGV[a+1])
    if not refused[k] then
      for j = 0, n - 1 do
        local f, c = ARGV[a+2+2*j], tonumber(ARGV[a+3+2*j])
        if not sum[f] then sum[f] = 0; order[#order+1] = f end
        sum[f] = sum[f] + c
      end
    end
    a = a + 2 + 2 * n
  end
  for _, f in ipairs(order) do redis.call('HINCRBY', KEYS[2], f, sum[f]) end
end
return 0
`

// writeTx is writeCAS on a single (non-cluster) server: one MULTI/EXEC per chunk of users,
// all chunks in flight at once, one round trip, no WATCH and no read. Inside the
// transaction: fenceScript checks every user's stored version, creation id, move mark and
// (for a new profile) the erasure ledger, and moves a refused user's profile aside; then the
// plain HSETs (and PEXPIREs) of every user's changed fields follow, with the new version;
// then undoScript restores refused users. Redis runs the transaction as one atomic step, so no
// other client ever sees the scratch state, and the vector blobs never pass through Lua.
// The scripts are sent with EVAL (not EVALSHA): a script missing from the server's cache inside
// a transaction would fail while the HSETs queued after it still ran.
func (s *Store) writeTx(ctx context.Context, c *redis.Client, ws []casWrite) ([]int64, error) {
	out := make([]int64, len(ws))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for lo := 0; lo < len(ws); lo += s.opts.ScriptBatch {
		hi := min(lo+s.opts.ScriptBatch, len(ws))
		g.Go(func() error {
			r, err := s.writeTxChunk(gctx, c, ws[lo:hi])
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

func (s *Store) writeTxChunk(ctx context.Context, c *redis.Client, ws []casWrite) ([]int64, error) {
	// The undo list is created and deleted inside one MULTI/EXEC, so one name serves every
	// transaction (none can see another's).
	undo := AsideUndoKey(s.opts.Prefix)
	fkeys := make([]string, 0, 1+4*len(ws))
	fkeys = append(fkeys, undo)
	fargs := make([]interface{}, 0, 2*len(ws))
	tokens := make([]interface{}, 0, 2*len(ws))
	for _, w := range ws {
		vk := s.verKey(w.pseudonym)
		fkeys = append(fkeys, s.key(w.pseudonym), s.ledger(w.pseudonym), s.aside(w.pseudonym), vk)
		fargs = append(fargs, w.expVer, w.expCID)
		n, _ := strconv.ParseInt(w.expVer, 10, 64)
		tokens = append(tokens, vk, w.cid+":"+strconv.FormatInt(n+1, 10))
	}
	ttl := s.opts.TTL
	// With a TTL the token expires a second before the profile, so that it never outlives the
	// profile it vouches for (a missing token only means the slower check). Below 2 s of TTL no
	// token is written.
	tokTTL := ttl - time.Second
	useTokens := ttl == 0 || ttl >= 2*time.Second
	var fence *redis.Cmd
	_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		fence = p.Eval(ctx, fenceScript, fkeys, fargs...)
		for _, w := range ws {
			n, _ := strconv.ParseInt(w.expVer, 10, 64)
			args := make([]interface{}, 0, 2+len(w.fields))
			args = append(args, schema.FieldVersion, n+1)
			args = append(args, w.fields...)
			p.HSet(ctx, s.key(w.pseudonym), args...)
			if ttl > 0 {
				p.PExpire(ctx, s.key(w.pseudonym), ttl)
			}
		}
		if useTokens {
			p.MSet(ctx, tokens...)
			if ttl > 0 {
				for i := 0; i < len(tokens); i += 2 {
					p.PExpire(ctx, tokens[i].(string), tokTTL)
				}
			}
		}
		var dfArgs []interface{}
		for _, w := range ws {
			if len(w.df) == 0 {
				continue
			}
			dfArgs = append(dfArgs, s.key(w.pseudonym), len(w.df))
			for f, n := range w.df {
				dfArgs = append(dfArgs, f, n)
			}
		}
		p.Eval(ctx, undoScript, []string{undo, schema.DFKey(s.opts.Prefix)}, dfArgs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	vals, err := fence.Int64Slice()
	if err != nil {
		return nil, err
	}
	if len(vals) != len(ws) {
		return nil, fmt.Errorf("fence script returned %d results for %d users", len(vals), len(ws))
	}
	out := make([]int64, len(ws))
	for i, w := range ws {
		if vals[i] != 0 {
			out[i] = vals[i]
			continue
		}
		n, _ := strconv.ParseInt(w.expVer, 10, 64)
		out[i] = n + 1
	}
	return out, nil
}
