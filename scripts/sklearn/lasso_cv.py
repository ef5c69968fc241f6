#!/usr/bin/python3
"""Cross-check / baseline: scikit-learn LassoCV on a design matrix written by the TypeScript side.

Usage: /usr/bin/python3 scripts/sklearn/lasso_cv.py META.json

META.json: {"n": rows, "p": cols,
            "x": "file of n*p little-endian float64, row-major (already standardised)",
            "y": "file of n float64 targets (original units, > 0)",
            "folds": "file of n int32 fold ids (0..K-1), passed as cv=PredefinedSplit",
            "eps": 1e-4, "nAlphas": 100,
            "weights": "none" | "relative" (sample_weight = 1/y^2), "tol": 1e-4, "maxIter": 1000,
            "alpha": optional; also fit Lasso at this alpha on all rows to tight tolerance}
Prints one JSON object: seconds and cpuSeconds (wall and process CPU time of LassoCV.fit only; CPU
time counts every BLAS thread), alpha, alphaIndex, intercept, coef (for the given
columns), modelSize (non-zero coefficients + intercept), out-of-fold RMSPE/RMSE at the chosen alpha
(each fold refitted at that alpha on its training rows, warm-started like LassoCV's path is not),
number of ConvergenceWarnings, and with "alpha": coefAtAlpha / interceptAtAlpha.
"""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LassoCV
from sklearn.model_selection import PredefinedSplit


def main() -> None:
    meta = json.load(open(sys.argv[1]))
    n, p = int(meta["n"]), int(meta["p"])
    X = np.fromfile(meta["x"], dtype="<f8").reshape(n, p)
    y = np.fromfile(meta["y"], dtype="<f8")
    folds = np.fromfile(meta["folds"], dtype="<i4")
    weights = meta.get("weights", "none")
    sw = 1.0 / (y * y) if weights == "relative" else None
    cv = PredefinedSplit(folds)
    model = LassoCV(
        eps=float(meta.get("eps", 1e-4)),
        n_alphas=int(meta.get("nAlphas", 100)),
        cv=cv,
        tol=float(meta.get("tol", 1e-4)),
        max_iter=int(meta.get("maxIter", 1000)),
        precompute="auto",
    )
    unconverged = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        t0 = time.perf_counter()
        c0 = time.process_time()
        model.fit(X, y, sample_weight=sw)
        seconds = time.perf_counter() - t0
        cpu_seconds = time.process_time() - c0
        unconverged = sum(1 for w in caught if issubclass(w.category, ConvergenceWarning))

    # Out-of-fold predictions at the chosen alpha: refit each fold's training rows at that alpha.
    oof = np.empty(n)
    for train, test in cv.split(X):
        m = Lasso(alpha=model.alpha_, tol=model.tol, max_iter=model.max_iter, precompute=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m.fit(X[train], y[train], sample_weight=None if sw is None else sw[train])
        oof[test] = m.predict(X[test])
    rel = (oof - y) / y
    alpha_index = int(np.argmin(np.abs(model.alphas_ - model.alpha_)))
    out = {
        "seconds": seconds,
        "cpuSeconds": cpu_seconds,
        "alpha": float(model.alpha_),
        "alphaIndex": alpha_index,
        "alphaMax": float(model.alphas_[0]),
        "intercept": float(model.intercept_),
        "coef": [float(c) for c in model.coef_],
        "modelSize": int(np.count_nonzero(model.coef_)) + 1,
        "rmspe": float(np.sqrt(np.mean(rel * rel))),
        "rmse": float(np.sqrt(np.mean((oof - y) ** 2))),
        "cvMse": [float(v) for v in model.mse_path_.mean(axis=1)],
        "convergenceWarnings": unconverged,
    }
    if "alpha" in meta:
        fixed = Lasso(alpha=float(meta["alpha"]), tol=1e-12, max_iter=1_000_000, precompute=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fixed.fit(X, y, sample_weight=sw)
        out["coefAtAlpha"] = [float(c) for c in fixed.coef_]
        out["interceptAtAlpha"] = float(fixed.intercept_)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
