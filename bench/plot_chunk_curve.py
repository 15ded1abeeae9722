#!/usr/bin/env python3
"""The sieve's chunk-size curve as a picture: numbers per second against the
chunk size (left) and the same rate over the rate at the largest chunk
(right), one line per starting point, from sieve_bench's BM_ChunkCurve.

Each SERIES is LABEL=FILE, FILE the JSON that sieve_bench writes with
--benchmark_format=json (or --benchmark_out=FILE); with repetitions, the
median aggregate is used. Several series (say before=old.json after=new.json)
are drawn in the same axes, dashed then solid. Triangles mark the aims set
for the relative rate (bench_suite.CHUNK_TARGETS, which scripts/bench.sh
judges too): at least this much of chunk 1e7's rate at that chunk.

  build/bench/sieve_bench --benchmark_filter='^BM_ChunkCurve/.*/span:10000000/' \\
      --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \\
      --benchmark_format=json > after.json
  python3 bench/plot_chunk_curve.py after=after.json --out docs/figures/sieve-chunk-curve.png
"""
import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import ArgumentParser, first_json, fmt_count  # noqa: E402
from bench_suite import CHUNK_TARGETS, CURVE_NAME  # noqa: E402

STYLES = ["--", "-", ":", "-."]
COLOURS = {10**9: "tab:blue", 10**10: "tab:orange", 10**12: "tab:green"}


def read_series(path):
    """{start: {chunk: numbers/s}} from one sieve_bench JSON file (medians
    where there are repetitions, the single run's value otherwise)."""
    doc = first_json(Path(path).read_text())
    single, medians = {}, {}
    for b in doc["benchmarks"]:
        m = CURVE_NAME.match(b.get("run_name", b["name"]))
        if not m or "items_per_second" not in b:
            continue
        key = (int(m[2]), int(m[1]))
        agg = b.get("aggregate_name")
        if agg == "median":
            medians[key] = b["items_per_second"]
        elif agg is None:
            single.setdefault(key, []).append(b["items_per_second"])
    out = {}
    for (start, chunk) in set(single) | set(medians):
        vals = sorted(single.get((start, chunk), []))
        rate = medians.get((start, chunk), vals[len(vals) // 2] if vals else None)
        out.setdefault(start, {})[chunk] = rate
    if not out:
        raise ValueError(f"{path}: no BM_ChunkCurve results")
    return out


def plot(series, out, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax_rate, ax_rel) = plt.subplots(1, 2, figsize=(12, 4.8))
    for i, (label, curves) in enumerate(series):
        style = STYLES[i % len(STYLES)] if len(series) > 1 else "-"
        for start in sorted(curves):
            pts = sorted(curves[start].items())
            chunks = [c for c, _ in pts]
            rates = [r for _, r in pts]
            top = rates[-1]
            colour = COLOURS.get(start)
            name = f"{label}, near {fmt_count(start)}" if len(series) > 1 else \
                f"near {fmt_count(start)}"
            ax_rate.plot(chunks, [r / 1e6 for r in rates], style, marker="o", color=colour,
                         label=name)
            ax_rel.plot(chunks, [r / top for r in rates], style, marker="o", color=colour,
                        label=name)
    for (chunk, start), target in sorted(CHUNK_TARGETS.items()):
        ax_rel.plot([chunk], [target], marker="^", color=COLOURS.get(start), linestyle="none",
                    markersize=9, markeredgecolor="black")
    ax_rel.plot([], [], marker="^", color="grey", markeredgecolor="black", linestyle="none",
                label="aim: at least this share\nof the rate at chunk 1e7")
    for ax in (ax_rate, ax_rel):
        ax.set_xscale("log")
        ax.set_xlabel("chunk size (numbers per chunk)")
        ax.grid(True, which="both", alpha=0.3)
    ax_rate.set_ylabel("M numbers/s, 1 thread")
    ax_rate.set_ylim(bottom=0)
    ax_rel.set_ylabel("rate / rate at the largest chunk")
    ax_rel.set_ylim(0, 1.1)
    ax_rel.legend(fontsize=8, loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def main(argv=None):
    ap = ArgumentParser(prog="plot_chunk_curve.py", description=__doc__.split("\n\n")[0],
                        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("series", nargs="+", metavar="LABEL=FILE",
                    help="a label and a sieve_bench JSON file")
    ap.add_argument("--out", default="docs/figures/sieve-chunk-curve.png", help="PNG to write")
    ap.add_argument("--title", default="perfect sieve: rate against chunk size "
                                       "(sieve_bench BM_ChunkCurve, 1e7 numbers per point)")
    args = ap.parse_args(argv)
    series = []
    for item in args.series:
        label, sep, path = item.partition("=")
        if not sep or not label or not path:
            ap.error(f"series {item!r}: expected LABEL=FILE")
        try:
            series.append((label, read_series(path)))
        except (OSError, ValueError, KeyError) as e:
            ap.error(f"{path}: {e}")
    plot(series, Path(args.out), args.title)
    return 0


if __name__ == "__main__":
    sys.exit(main())
