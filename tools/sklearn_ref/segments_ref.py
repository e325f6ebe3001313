#!/usr/bin/python3
"""sklearn side of `make eval-segments` (internal/eval/evalsegments), as a long-lived server.

Usage: segments_ref.py VECTORS.f32 N DIM
Reads n*dim little-endian float32 vectors (the users' final profile vectors), prints one JSON
line {"sklearn": version} and then answers one JSON request per stdin line with one JSON line:

  {"cmd": "kmeans", "k": K}
      KMeans(n_clusters=K, n_init=10, random_state=0).fit(X): labels, inertia_, seconds.
  {"cmd": "minibatch", "k": K, "seeds": S}
      MiniBatchKMeans(K, batch_size=1024, n_init=3, random_state=s).fit(X) for s < S: labels.
  {"cmd": "pf_init", "k": K, "batches": B}
      a MiniBatchKMeans(K, batch_size=1024, n_init=3, random_state=0) warmed by one partial_fit
      call; the timed batches are rows [b*1024, (b+1)*1024) of X for b < B, in that order.
  {"cmd": "pf_time", "calls": C, "threads": T}
      C partial_fit calls cycling through those batches; returns the seconds of each call. With
      T > 0, OpenMP/BLAS are limited to T threads (threadpoolctl) for these calls; T = 0 leaves
      sklearn's default (all cores).

The Go side times its own update on the same rows between two pf_time requests (interleaved
repetitions), so both sides see the same load. Run with Debian's python3 (/usr/bin/python3),
which has sklearn. Prints {"error": ...} and exits 3 when sklearn or numpy is missing.
"""
import json
import sys
import time


def main():
    if len(sys.argv) != 4:
        print("usage: segments_ref.py VECTORS.f32 N DIM", file=sys.stderr)
        return 2
    path, n, dim = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    try:
        import numpy as np
        import sklearn
        from sklearn.cluster import KMeans, MiniBatchKMeans
    except ImportError as e:  # pragma: no cover
        print(json.dumps({"error": "sklearn/numpy not available: %s" % e}), flush=True)
        return 3
    X = np.fromfile(path, dtype="<f4").reshape(n, dim).astype(np.float64)
    print(json.dumps({"sklearn": sklearn.__version__}), flush=True)
    pf, batches, nb = None, [], 0
    for line in sys.stdin:
        req = json.loads(line)
        cmd = req["cmd"]
        if cmd == "kmeans":
            t = time.perf_counter()
            km = KMeans(n_clusters=req["k"], n_init=10, random_state=0).fit(X)
            out = {"labels": km.labels_.tolist(), "inertia": float(km.inertia_), "seconds": time.perf_counter() - t}
        elif cmd == "minibatch":
            mbs = [MiniBatchKMeans(n_clusters=req["k"], batch_size=1024, n_init=3, random_state=s).fit(X)
                   for s in range(req["seeds"])]
            out = {"labels": [mb.labels_.tolist() for mb in mbs]}
        elif cmd == "pf_init":
            batches = [np.ascontiguousarray(X[b * 1024:(b + 1) * 1024]) for b in range(req["batches"])]
            pf = MiniBatchKMeans(n_clusters=req["k"], batch_size=1024, n_init=3, random_state=0)
            pf.partial_fit(batches[0])
            nb = 0
            out = {"ok": True}
        elif cmd == "pf_time":
            import contextlib
            limit = contextlib.nullcontext()
            if req.get("threads", 0) > 0:
                from threadpoolctl import threadpool_limits
                limit = threadpool_limits(limits=req["threads"])
            secs = []
            with limit:
                for _ in range(req["calls"]):
                    b = batches[nb % len(batches)]
                    nb += 1
                    t = time.perf_counter()
                    pf.partial_fit(b)
                    secs.append(time.perf_counter() - t)
            out = {"seconds": secs}
        else:
            out = {"error": "unknown cmd %r" % cmd}
        print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
