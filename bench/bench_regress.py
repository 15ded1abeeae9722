"""The regression check of scripts/bench.sh (bench/bench_suite.py): a run's
figures against a saved baseline, no measuring here.

A figure is one number a run measured, keyed by name in the results file's
"figures" object:

  {"value": 2.1e8, "unit": "numbers/s", "better": "higher",
   "params": {"from": ..., "to": ..., "ranks": 1}, ...}

`better` is "higher" or "lower". A baseline file (bench/baseline.json) holds
the same objects under "figures", reduced to value, unit, better and params.
A figure regresses when it is worse than its baseline value by more than the
threshold (10% by default): below value * (1 - t) where higher is better,
above value * (1 + t) where lower is better. A figure is only compared with
a baseline measured at the same params (the same sizes and ranks) in the same
unit: a --quick run is never judged against a full one.
"""
import json
from pathlib import Path

DEFAULT_THRESHOLD = 0.10
BASELINE_KEYS = ("value", "unit", "better", "params")


def load_json(path):
    """The JSON object in path (ValueError naming the file where it is not one)."""
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise ValueError(f"{path}: cannot read JSON: {e}") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("figures"), dict):
        raise ValueError(f"{path}: no \"figures\" object")
    return doc


def change_percent(old, new, better):
    """How much worse new is than old, in percent of old (negative: better)."""
    worse = old - new if better == "higher" else new - old
    return 100.0 * worse / abs(old)


def compare_figure(name, fig, base, threshold):
    """One figure against its baseline entry (base may be None). Returns a
    dict: name, state (regressed, ok, improved, no-baseline, not-comparable,
    failed), old, new, unit, better and change_percent (how much worse)."""
    out = {"name": name, "new": fig.get("value"), "unit": fig.get("unit"),
           "better": fig.get("better"), "old": None, "change_percent": None}
    if out["new"] is None:
        out["state"] = "failed"
        return out
    if base is None:
        out["state"] = "no-baseline"
        return out
    out["old"] = base.get("value")
    why = None
    if base.get("unit") != fig.get("unit"):
        why = f"unit {base.get('unit')} in the baseline"
    elif base.get("better") != fig.get("better"):
        why = f"'{base.get('better')} is better' in the baseline"
    elif base.get("params") != fig.get("params"):
        why = f"baseline measured at {base.get('params')}"
    elif not out["old"]:
        why = f"baseline value {out['old']}"
    if why:
        out["state"], out["why"] = "not-comparable", why
        return out
    pct = change_percent(out["old"], out["new"], fig["better"])
    out["change_percent"] = pct
    if pct > threshold * 100:
        out["state"] = "regressed"
    elif pct < -threshold * 100:
        out["state"] = "improved"
    else:
        out["state"] = "ok"
    return out


def compare(figures, baseline_figures, threshold=DEFAULT_THRESHOLD):
    """Every figure of a run against the baseline's, in the run's order."""
    return [compare_figure(name, fig, baseline_figures.get(name), threshold)
            for name, fig in figures.items()]


def regressed(comparisons):
    return [c for c in comparisons if c["state"] == "regressed"]


def fmt_value(v, unit):
    if v is None:
        return "n/a"
    if unit in ("numbers/s", "chunks/s") and abs(v) >= 1e4:
        return f"{v / 1e6:.3f} M {unit}"
    return f"{v:.4g} {unit}"


def describe(c):
    """One line for one comparison."""
    old, new = fmt_value(c["old"], c["unit"]), fmt_value(c["new"], c["unit"])
    state = c["state"]
    if state == "failed":
        return f"{c['name']}: FAILED, no value"
    if state == "no-baseline":
        return f"{c['name']}: {new} (no baseline)"
    if state == "not-comparable":
        return f"{c['name']}: {new}, not compared: {c['why']}"
    pct = c["change_percent"]
    word = {"regressed": "REGRESSED", "improved": "improved", "ok": "ok"}[state]
    return (f"{c['name']}: {word}: {old} -> {new} ({pct:+.1f}% worse, {c['better']} is better)"
            if pct >= 0 else
            f"{c['name']}: {word}: {old} -> {new} ({-pct:.1f}% better, {c['better']} is better)")


def report(comparisons, threshold, baseline_path):
    """The lines to print; the regressed figures last, each named again."""
    lines = [f"regression check against {baseline_path} (fails on more than "
             f"{threshold * 100:.0f}% worse):"]
    lines += ["  " + describe(c) for c in comparisons]
    bad = regressed(comparisons)
    if bad:
        lines.append(f"REGRESSION: {len(bad)} figure{'s' if len(bad) > 1 else ''} worse by more "
                     f"than {threshold * 100:.0f}%: " + "; ".join(
                         f"{c['name']} {fmt_value(c['old'], c['unit'])} -> "
                         f"{fmt_value(c['new'], c['unit'])} ({c['change_percent']:+.1f}%)"
                         for c in bad))
    else:
        lines.append("no regression")
    return lines


def baseline_entry(fig):
    return {k: fig.get(k) for k in BASELINE_KEYS}


def merged_baseline(old_doc, figures, source):
    """The baseline document old_doc (or a new one) with the measured figures
    replaced or added; figures not measured (failed, None) are left as they
    were. source says where the new values came from."""
    doc = dict(old_doc or {})
    figs = dict(doc.get("figures") or {})
    for name, fig in figures.items():
        if fig.get("value") is not None:
            figs[name] = dict(baseline_entry(fig), source=source)
    doc["figures"] = figs
    return doc
