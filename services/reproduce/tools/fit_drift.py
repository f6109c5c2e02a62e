"""Fit the drift model ``ql-drift/2.0`` from successive real IBM calibration snapshots.

``python -m services.reproduce.tools.fit_drift`` (``make drift-fit``) reads every
``props_<device>.json`` of the qiskit-ibm-runtime releases in the corpus wheel cache
(:mod:`qlcore.corpus.adapters.wheels`, offline once fetched) and of the installed release, keys
each snapshot by its ``last_update_date``, and pairs every two snapshots of one device (earlier →
later). Per pair and metric (2q, 1q, readout error, T1, T2) the per-element log ratios
``d = log(x_later / x_earlier)`` are split into the device-wide shift ``c`` (their median) and
residuals ``d - c`` (:mod:`services.reproduce.domain.drift_stats`). Devices in :data:`HELD_OUT`
are left out of every fitted number and kept for the held-out check (``--check``).

What is fitted (all in natural-log units; ``d`` in days):

* per-element spread: ``sigma(d)`` through the pairs' 1.4826·MAD of the residuals, as a power law
  ``sigma30·(d/30)^p`` or ``a + b·log(1 + d)``, whichever leaves the smaller squared error;
* device-wide shift: ``c ~ N(μ30·(d/30)^r, (τ30·(d/30)^r)²)`` by maximum likelihood over the
  pairs (errors trend upward: μ30 > 0 is measured, not assumed);
* heavy tails: a Student-t (nu and a scale relative to sigma_MAD) fitted by maximum likelihood to the
  pooled standardized residuals ``(d - c)/sigma_MAD``;
* correlations: the normal-score correlation of one qubit's residuals across 1q, readout, T1, T2
  (the Gaussian copula of the joint per-qubit draw), and of the device-wide shifts across the
  five metrics (shrunk halfway to the identity: few pairs);
* failed couplers: the share of couplers with no working 2q gate in every snapshot of a fitted
  device with ≥ 100 couplers (its 10/50/95 % quantiles are the profiles' levels).

``--check`` adds the held-out comparison: per held-out pair, GHZ-3 and GHZ-5 on a chain of the
earlier snapshot's best qubits, the Hellinger fidelity of the re-run on the real later snapshot
against the model's 5-95 % band (the earlier snapshot drifted by the pair's days, shift and
failed-coupler level drawn from the fitted distributions).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import itertools
import json
import math
import re
import statistics
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from services.reproduce.domain.drift_stats import element_values, failed_couplers, measure_drift

__all__ = ["HELD_OUT", "fit", "load_snapshots", "main", "pairs_of"]

METRICS = ("2q", "1q", "readout", "t1", "t2")
QUBIT_METRICS = ("1q", "readout", "t1", "t2")
#: devices kept out of the fit: the held-out check compares the model with their real later snapshots
HELD_OUT = ("hanoi", "kyiv", "sherbrooke")
BUCKETS = (
    ("<=35 d", 0.0, 35.5),
    ("1-6 months", 35.5, 182.5),
    ("6-18 months", 182.5, 547.5),
    (">18 months", 547.5, 1e9),
)
MIN_ELEMENTS = 20  # a pair's metric needs this many elements for a device-wide shift
SHIFT_SHRINK = 0.5
PARAMS_PATH = Path(__file__).resolve().parents[1] / "domain" / "drift_params.json"
_TO_US = {"s": 1e6, "ms": 1e3, "us": 1.0, "µs": 1.0, "μs": 1.0, "ns": 1e-3}
_PROPS = re.compile(r"fake_provider/backends/(\w+)/props_\1\.json$")


def calibration_of(props: dict[str, Any]) -> dict[str, Any]:
    """An IBM ``props_*.json`` as a run document's calibration member (T1/T2 in µs, lengths in ns)."""
    qubits = []
    for i, entries in enumerate(props["qubits"]):
        v = {e["name"]: e for e in entries}

        def us(key: str, v: dict[str, Any] = v) -> float | None:
            if key not in v or v[key].get("value") is None:
                return None
            return float(v[key]["value"]) * _TO_US.get(v[key].get("unit") or "us", 1.0)

        row: dict[str, Any] = {"qubit": i, "t1_us": us("T1"), "t2_us": us("T2")}
        for key in ("readout_error", "prob_meas1_prep0", "prob_meas0_prep1"):
            row[key] = v[key]["value"] if key in v else None
        qubits.append(row)
    gates = []
    for g in props["gates"]:
        p = {x["name"]: x for x in g.get("parameters", [])}
        length = p.get("gate_length")
        ns = None
        if length is not None:
            ns = float(length["value"]) * {"s": 1e9, "us": 1e3, "µs": 1e3, "ns": 1.0}.get(
                length.get("unit") or "ns", 1.0
            )
        error = p.get("gate_error", {}).get("value")
        gates.append({"gate": g["gate"], "qubits": list(g["qubits"]), "duration_ns": ns, "error": error})
    return {"taken_at": props["last_update_date"], "qubits": qubits, "gates": gates}


def _props_sources() -> Iterator[tuple[str, str, bytes]]:
    """(release, path, bytes) of every props file: the corpus wheels, then the installed release."""
    from qlcore.corpus.adapters.ibm_history import history_wheels

    for wheel in history_wheels():
        version = wheel.name.split("-")[1]
        with zipfile.ZipFile(wheel) as z:
            for name in sorted(z.namelist()):
                if _PROPS.search(name):
                    yield version, name, z.read(name)
    spec = importlib.util.find_spec("qiskit_ibm_runtime")
    if spec is None or not spec.submodule_search_locations:
        return
    from importlib.metadata import version as dist_version

    root = Path(next(iter(spec.submodule_search_locations)))
    for path in sorted(root.glob("fake_provider/backends/*/props_*.json")):
        rel = "qiskit_ibm_runtime/" + path.relative_to(root).as_posix()
        if _PROPS.search(rel):
            yield dist_version("qiskit-ibm-runtime"), rel, path.read_bytes()


def load_snapshots() -> dict[str, dict[str, dict[str, Any]]]:
    """device -> ISO date -> {"calibration", "release", "path"}; the first release carrying a date wins."""
    snaps: dict[str, dict[str, dict[str, Any]]] = {}
    for release, path, raw in _props_sources():
        match = _PROPS.search(path)
        assert match is not None
        props = json.loads(raw)
        date = props.get("last_update_date")
        if not isinstance(date, str):
            continue
        snaps.setdefault(match[1], {}).setdefault(
            date, {"calibration": calibration_of(props), "release": release, "path": path}
        )
    return snaps


def _days(a: str, b: str) -> float:
    return (dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds() / 86400.0


def pairs_of(snaps: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every (earlier, later) pair of snapshots of one device, with its drift statistics."""
    out = []
    for device, by_date in sorted(snaps.items()):
        dates = sorted(by_date, key=dt.datetime.fromisoformat)
        for a, b in itertools.combinations(dates, 2):
            before, after = by_date[a]["calibration"], by_date[b]["calibration"]
            stats = measure_drift(before, after, min_elements=3)
            out.append(
                {
                    "device": device,
                    "before": a,
                    "after": b,
                    "days": _days(a, b),
                    "qubits": len(before["qubits"]),
                    "stats": stats,
                    "successive": dates.index(b) == dates.index(a) + 1,
                }
            )
    return out


def _residuals(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[Any, float]]:
    """Per metric, element -> (log ratio - the device's median log ratio)."""
    a, b = element_values(before), element_values(after)
    out: dict[str, dict[Any, float]] = {}
    for m in METRICS:
        keys = sorted(a[m].keys() & b[m].keys(), key=str)
        d = {k: math.log(b[m][k] / a[m][k]) for k in keys}
        if len(d) >= 2:
            med = statistics.median(d.values())
            out[m] = {k: v - med for k, v in d.items()}
    return out


def _mad(x: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def _normal_scores(x: np.ndarray) -> np.ndarray:
    from scipy.stats import norm, rankdata

    return np.asarray(norm.ppf(rankdata(x) / (len(x) + 1)))


def _fit_spread(days: np.ndarray, sigma: np.ndarray) -> dict[str, Any]:
    """sigma(d) as a power law or as a + b·log(1 + d), whichever fits the pairs' sigma_MAD better."""
    x = np.log(days / 30.0)
    slope, intercept = np.polyfit(x, np.log(sigma), 1)
    sigma30, p = float(math.exp(intercept)), float(slope)
    power: dict[str, Any] = {"form": "power", "sigma30": sigma30, "p": p}
    sse_power = float(np.sum((sigma30 * (days / 30.0) ** p - sigma) ** 2))
    b, a = np.polyfit(np.log1p(days), sigma, 1)
    sse_log = float(np.sum((a + b * np.log1p(days) - sigma) ** 2))
    best = power if sse_power <= sse_log else {"form": "log", "a": float(a), "b": float(b)}
    return {**best, "sse_power": sse_power, "sse_log": sse_log, "pairs": len(days)}


def _fit_shift(days: np.ndarray, shift: np.ndarray) -> dict[str, Any]:
    """c ~ N(μ30·(d/30)^r, (τ30·(d/30)^r)²) by maximum likelihood, r in [0, 1]."""
    from scipy.optimize import minimize

    g = days / 30.0

    def nll(theta: np.ndarray) -> float:
        mu, log_tau, r = theta
        scale = np.exp(log_tau) * g**r
        return float(np.sum(np.log(scale) + 0.5 * ((shift - mu * g**r) / scale) ** 2))

    start = np.array([float(np.mean(shift)), math.log(max(float(np.std(shift)), 0.02)), 0.1])
    res = minimize(nll, start, method="L-BFGS-B", bounds=[(-3, 3), (math.log(0.005), math.log(3)), (0.0, 1.0)])
    mu, log_tau, r = res.x
    return {"mu30": float(mu), "tau30": float(math.exp(log_tau)), "r": float(r), "pairs": len(days)}


def _fit_t(z: np.ndarray) -> dict[str, float]:
    from scipy.stats import t as student_t

    nu, _, scale = student_t.fit(z, floc=0.0)
    nu = float(min(max(nu, 1.5), 100.0))
    beyond3 = float(np.mean(np.abs(z) > 3.0))
    return {"nu": nu, "scale": float(scale), "n": len(z), "share_beyond_3_sigma_mad": beyond3}


def _near_pd(c: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((c + c.T) / 2)
    c = v @ np.diag(np.maximum(w, 1e-3)) @ v.T
    d = np.sqrt(np.diag(c))
    return c / np.outer(d, d)


def bucket_of(days: float) -> str:
    return next(label for label, lo, hi in BUCKETS if lo < days <= hi)


def bucket_table(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per horizon bucket and metric: pooled residual statistics and the device-wide shifts."""
    table: dict[str, Any] = {}
    for label, lo, hi in BUCKETS:
        group = [p for p in pairs if lo < p["days"] <= hi]
        row: dict[str, Any] = {"pairs": len(group), "days": sorted(round(p["days"]) for p in group)}
        for m in METRICS:
            resid: list[float] = []
            shifts = []
            for p in group:
                r = p["residuals"].get(m)
                if r and len(r) >= 3:
                    resid += list(r.values())
                    if len(r) >= MIN_ELEMENTS:
                        shifts.append(p["stats"].metrics[m].common_shift)
            if len(resid) < 3:
                row[m] = None
                continue
            x = np.array(resid)
            mad = _mad(x)
            row[m] = {
                "n": len(x),
                "sigma_mad": round(mad, 3),
                "sd": round(float(np.std(x, ddof=1)), 3),
                "share_beyond_3_sigma_mad": round(float(np.mean(np.abs(x) > 3 * mad)), 3),
                "shift_mean": round(float(np.mean(shifts)), 3) if shifts else None,
                "shift_rms": round(float(np.sqrt(np.mean(np.square(shifts)))), 3) if shifts else None,
                "shift_pairs": len(shifts),
            }
        table[label] = row
    return table


def fit(snaps: dict[str, dict[str, dict[str, Any]]], held_out: tuple[str, ...] = HELD_OUT) -> dict[str, Any]:
    """The fitted parameters of ``ql-drift/2.0`` (a JSON-able dict with its provenance)."""
    pairs = pairs_of(snaps)
    for p in pairs:
        p["residuals"] = _residuals(
            snaps[p["device"]][p["before"]]["calibration"], snaps[p["device"]][p["after"]]["calibration"]
        )
    fitted = [p for p in pairs if p["device"] not in held_out]
    big = [p for p in fitted if p["qubits"] >= 20]

    spread, shift, tails = {}, {}, {}
    for m in METRICS:
        rows = [p for p in big if m in p["stats"].metrics and p["stats"].metrics[m].n >= MIN_ELEMENTS]
        days = np.array([p["days"] for p in rows])
        spread[m] = _fit_spread(days, np.array([p["stats"].metrics[m].sigma_mad for p in rows]))
        shift[m] = _fit_shift(days, np.array([p["stats"].metrics[m].common_shift for p in rows]))
        z = []
        for p in rows:
            sigma = p["stats"].metrics[m].sigma_mad
            z += [v / sigma for v in p["residuals"][m].values()]
        tails[m] = _fit_t(np.array(z))

    # the per-qubit copula: normal scores of the standardized residuals, pooled over the fitted pairs
    cols: dict[str, list[float]] = {m: [] for m in QUBIT_METRICS}
    coupler_pairs: list[tuple[float, float]] = []
    for p in big:
        r = p["residuals"]
        if not all(m in r and m in p["stats"].metrics for m in QUBIT_METRICS):
            continue
        common = set.intersection(*(set(r[m]) for m in QUBIT_METRICS))
        for q in sorted(common):
            for m in QUBIT_METRICS:
                cols[m].append(r[m][q] / p["stats"].metrics[m].sigma_mad)
        if "2q" in r and "2q" in p["stats"].metrics:
            for element, v in r["2q"].items():
                qa, qb = element[1], element[2]
                if qa in r["1q"] and qb in r["1q"]:
                    coupler_pairs.append((v, (r["1q"][qa] + r["1q"][qb]) / 2))
    scores = np.array([_normal_scores(np.array(cols[m])) for m in QUBIT_METRICS])
    qubit_corr = _near_pd(np.corrcoef(scores))
    cp = np.array(coupler_pairs)
    coupler_1q_rho = float(np.corrcoef(_normal_scores(cp[:, 0]), _normal_scores(cp[:, 1]))[0, 1])

    # device-wide shifts: standardized by the fitted mean and spread, correlated across metrics
    u_rows = []
    for p in big:
        if all(m in p["stats"].metrics and p["stats"].metrics[m].n >= MIN_ELEMENTS for m in METRICS):
            g = p["days"] / 30.0
            u_rows.append(
                [
                    (p["stats"].metrics[m].common_shift - shift[m]["mu30"] * g ** shift[m]["r"])
                    / (shift[m]["tau30"] * g ** shift[m]["r"])
                    for m in METRICS
                ]
            )
    raw_shift_corr = np.corrcoef(np.array(u_rows).T)
    shift_corr = _near_pd((1 - SHIFT_SHRINK) * raw_shift_corr + SHIFT_SHRINK * np.eye(len(METRICS)))

    fractions = []
    for device, by_date in sorted(snaps.items()):
        if device in held_out:
            continue
        for _date, snap in sorted(by_date.items()):
            failed, couplers = failed_couplers(snap["calibration"])
            if couplers >= 100 and failed < couplers:  # a snapshot with every coupler failed is broken
                fractions.append(failed / couplers)
    f = np.array(sorted(fractions))

    snapshots = [
        {"device": d, "taken_at": date, "release": s["release"], "path": s["path"], "held_out": d in held_out}
        for d, by_date in sorted(snaps.items())
        for date, s in sorted(by_date.items())
    ]
    return {
        "model": "ql-drift/2.0",
        "provenance": {
            "script": "python -m services.reproduce.tools.fit_drift (services/reproduce/tools/fit_drift.py)",
            "fitted_on": dt.date.today().isoformat(),
            "source": "props_<device>.json of qiskit-ibm-runtime releases (fake_provider), every pair of"
            " snapshots of one device",
            "held_out_devices": list(held_out),
            "snapshots": snapshots,
            "pairs": [
                {
                    "device": p["device"],
                    "before": p["before"],
                    "after": p["after"],
                    "days": round(p["days"], 2),
                    "held_out": p["device"] in held_out,
                    "used_for_fit": p in big,
                }
                for p in pairs
            ],
        },
        "metrics": list(METRICS),
        "qubit_metrics": list(QUBIT_METRICS),
        "max_days": round(max(p["days"] for p in big), 1),
        "spread": spread,
        "shift": shift,
        "tails": tails,
        "qubit_correlation": [[round(float(x), 4) for x in row] for row in qubit_corr],
        "coupler_1q_correlation": round(coupler_1q_rho, 4),
        "shift_correlation": [[round(float(x), 4) for x in row] for row in shift_corr],
        "shift_correlation_raw": [[round(float(x), 4) for x in row] for row in raw_shift_corr],
        "shift_correlation_pairs": len(u_rows),
        "failed_couplers": {
            "fractions": [round(float(x), 5) for x in f],
            "snapshots": len(f),
            "q10": float(np.quantile(f, 0.10)),
            "q50": float(np.quantile(f, 0.50)),
            "q95": float(np.quantile(f, 0.95)),
        },
        "buckets_fit": bucket_table(fitted),
        "buckets_held_out": bucket_table([p for p in pairs if p["device"] in held_out]),
    }


def markdown_tables(params: dict[str, Any], check: dict[str, Any] | None) -> str:
    """The tables of docs/drift-model.md, from the fitted parameters and the held-out check."""
    from services.reproduce.domain.drift import horizon

    lines = [
        "### Per horizon bucket (fitted devices; residual 1.4826·MAD / SD / share beyond 3 \u03c3_MAD; shift mean)",
        "",
    ]
    lines.append("| bucket | pairs (days) | " + " | ".join(METRICS) + " |")
    lines.append("|---|---|" + "---|" * len(METRICS))
    for label, row in params["buckets_fit"].items():
        cells = []
        for m in METRICS:
            x = row[m]
            if x is None:
                cells.append("\u2013")
                continue
            shift = "\u2013" if x["shift_mean"] is None else f"{x['shift_mean']:+.2f}"
            cells.append(
                f"{x['sigma_mad']:.2f} / {x['sd']:.2f} / {100 * x['share_beyond_3_sigma_mad']:.1f} %,"
                f" c̄ {shift} (n {x['n']})"
            )
        lines.append(f"| {label} | {row['pairs']} ({', '.join(map(str, row['days']))}) | " + " | ".join(cells) + " |")
    lines += [
        "",
        "### The model at 1, 30, 90, 365 and 1175+ days (log units: \u03c3 element, μ ± τ device-wide shift)",
        "",
    ]
    days = (1, 30, 90, 365, 36500)
    lines.append("| metric | " + " | ".join(f"{d} d" for d in days) + " | \u03bd (t tails) | t scale |")
    lines.append("|---|" + "---|" * (len(days) + 2))
    hs = {d: horizon(d) for d in days}
    for m in METRICS:
        cells = [f"\u03c3 {hs[d][m]['sigma']:.2f}, {hs[d][m]['mu']:+.2f} ± {hs[d][m]['tau']:.2f}" for d in days]
        t = params["tails"][m]
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {t['nu']:.2f} | {t['scale']:.2f} |")
    if check is not None:
        lines += ["", "### Held-out check: Hellinger fidelity to the original (4096 shots each side)", ""]
        lines.append(
            "| device | snapshots | days | bucket | circuit | real later snapshot | model 5 % | 50 % | 95 % |"
            " inside | percentile |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in sorted(check["rows"], key=lambda r: (r["days"], r["device"], r["circuit"])):
            lines.append(
                f"| {r['device']} | {r['before']} → {r['after']} | {r['days']:.0f} | {r['bucket']} | {r['circuit']} |"
                f" {r['real_hf']:.4f} | {r['model_p5']:.4f} | {r['model_p50']:.4f} | {r['model_p95']:.4f} |"
                f" {'yes' if r['inside_5_95'] else '**no**'} | {r['real_percentile']:.0f} |"
            )
        lines.append("")
        lines.append(f"Inside the 5\u201395 % band: {check['inside_5_95']} ({check['seeds']} model draws per row).")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m services.reproduce.tools.fit_drift", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--out", type=Path, default=PARAMS_PATH, help="where the fitted parameters go")
    ap.add_argument("--check", action="store_true", help="also run the held-out check (GHZ-3/5 bands)")
    ap.add_argument("--seeds", type=int, default=200, help="model draws per held-out pair in --check")
    ap.add_argument("--check-out", type=Path, default=Path("bench/results/drift_heldout.json"))
    ap.add_argument("--tables", action="store_true", help="print the doc's tables from the saved files and stop")
    args = ap.parse_args(argv)
    if args.tables:
        check = json.loads(args.check_out.read_text()) if args.check_out.exists() else None
        print(markdown_tables(json.loads(args.out.read_text()), check), end="")
        return 0
    snaps = load_snapshots()
    params = fit(snaps)
    args.out.write_text(json.dumps(params, indent=1, sort_keys=False) + "\n")
    print(f"wrote {args.out}")
    for m in METRICS:
        print(m, "spread", params["spread"][m], "shift", params["shift"][m], "tails", params["tails"][m])
    print("failed couplers", {k: v for k, v in params["failed_couplers"].items() if k != "fractions"})
    print("qubit correlation", params["qubit_correlation"], "coupler-1q", params["coupler_1q_correlation"])
    print("shift correlation (raw)", params["shift_correlation_raw"])
    print(json.dumps(params["buckets_fit"], indent=1))
    if args.check:
        from services.reproduce.tools.heldout import held_out_check

        result = held_out_check(snaps, seeds=args.seeds)
        args.check_out.parent.mkdir(parents=True, exist_ok=True)
        args.check_out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {args.check_out}")
        for row in result["rows"]:
            print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
