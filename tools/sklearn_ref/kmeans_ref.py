#!/usr/bin/python3
"""Reference k-means runs for `make eval-segments` (cmd/evalsegments).

Reads n*dim little-endian float32 vectors from a raw file and prints one JSON object with:
  kmeans:    sklearn KMeans(n_clusters=k, n_init=10, random_state=0) fitted on all vectors:
             labels, centers, inertia_ (Euclidean SSE), fit seconds;
  minibatch: MiniBatchKMeans(n_clusters=k, batch_size=1024, n_init=3, random_state=s) fitted
             on all vectors for s in 0..seeds-1: labels (one list per seed), inertias;
  partial_fit: a fresh MiniBatchKMeans fed with partial_fit in batches of 1024 over at least
             `passes` shuffled passes and at least 30 timed calls; seconds per sample as the
             median over calls of (call seconds / batch size), leaving out the first call (which
             also initializes), and the mean, and the number of samples timed.
Run with Debian's python3 (/usr/bin/python3), which has sklearn 1.2. Prints {"error": ...} and
exits 3 when sklearn or numpy is missing.
"""
import json
import sys
import time


def main():
    if len(sys.argv) not in (6, 7):
        print("usage: kmeans_ref.py VECTORS.f32 N DIM K PASSES [SEEDS]", file=sys.stderr)
        return 2
    path, n, dim, k, passes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    seeds = int(sys.argv[6]) if len(sys.argv) == 7 else 1
    try:
        import numpy as np
        import sklearn
        from sklearn.cluster import KMeans, MiniBatchKMeans
    except ImportError as e:  # pragma: no cover
        print(json.dumps({"error": "sklearn/numpy not available: %s" % e}))
        return 3
    X = np.fromfile(path, dtype="<f4").reshape(n, dim).astype(np.float64)
    out = {"sklearn": sklearn.__version__, "n": n, "dim": dim, "k": k}

    t = time.perf_counter()
    km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(X)
    out["kmeans"] = {"labels": km.labels_.tolist(), "centers": km.cluster_centers_.tolist(),
                     "inertia": float(km.inertia_), "seconds": time.perf_counter() - t}

    mbs = [MiniBatchKMeans(n_clusters=k, batch_size=1024, n_init=3, random_state=s).fit(X) for s in range(seeds)]
    out["minibatch"] = {"labels": [mb.labels_.tolist() for mb in mbs], "inertia": [float(mb.inertia_) for mb in mbs]}

    rng = np.random.default_rng(0)
    pf = MiniBatchKMeans(n_clusters=k, batch_size=1024, n_init=3, random_state=0)
    timed, seconds, first, per, p = 0, 0.0, True, [], 0
    while p < passes or len(per) < 30:
        p += 1
        order = rng.permutation(n)
        for s in range(0, n, 1024):
            batch = X[order[s:s + 1024]]
            t = time.perf_counter()
            pf.partial_fit(batch)
            dt = time.perf_counter() - t
            if first:
                first = False
                continue
            timed += len(batch)
            seconds += dt
            per.append(dt / len(batch))
    out["partial_fit"] = {"seconds_per_sample": float(np.median(per)), "mean_seconds_per_sample": seconds / max(timed, 1),
                          "samples": timed, "calls": len(per), "labels": pf.predict(X).tolist()}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
