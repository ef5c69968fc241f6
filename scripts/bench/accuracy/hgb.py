#!/usr/bin/python3
"""Reference model for the accuracy benchmark: scikit-learn HistGradientBoostingRegressor on log features.

Usage: /usr/bin/python3 scripts/bench/accuracy/hgb.py META.json

META.json: {"n": rows, "p": cols,
            "x": "file of n*p little-endian float64, row-major (log2 features)",
            "y": "file of n float64 runtimes (ms, > 0)",
            "folds": "file of n int32 fold ids 0..K-1 (the benchmark's grouped folds)",
            "seed": 1}
Fits log(y) with default hyperparameters (random_state = seed). Prints one JSON object: "oof" (the
out-of-fold runtime predictions, each fold's model fitted on the other folds), "seconds" (mean wall
time of one fold's fit, on 9/10 of the rows), "nodes" (tree nodes of the first fold's model: its model
size) and "trees".
"""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor


def main() -> None:
    meta = json.load(open(sys.argv[1]))
    n, p = int(meta["n"]), int(meta["p"])
    X = np.fromfile(meta["x"], dtype="<f8").reshape(n, p)
    y = np.fromfile(meta["y"], dtype="<f8")
    folds = np.fromfile(meta["folds"], dtype="<i4")
    seed = int(meta.get("seed", 1))
    ly = np.log(y)
    oof = np.empty(n)
    seconds = 0.0
    first = None
    for k in np.unique(folds):
        test = folds == k
        t0 = time.perf_counter()
        m = HistGradientBoostingRegressor(random_state=seed).fit(X[~test], ly[~test])
        seconds += time.perf_counter() - t0
        first = first or m
        oof[test] = np.exp(m.predict(X[test]))
    seconds /= len(np.unique(folds))
    trees = [t for stage in first._predictors for t in stage]
    nodes = int(sum(t.nodes.shape[0] for t in trees))
    print(json.dumps({"oof": [float(v) for v in oof], "seconds": seconds, "nodes": nodes, "trees": len(trees)}))


if __name__ == "__main__":
    main()
