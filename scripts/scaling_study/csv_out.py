"""runs.csv (one row per run) and summary.csv (one row per point). Both
are written from the reports alone, so a live sweep and --from-results on
its saved reports write the same bytes.

summary.csv's last columns: wall_ci_low_s and wall_ci_high_s, the 95%
confidence interval of the median wall time (order statistics; empty for
fewer than 6 runs), ci_coverage its exact coverage, speedup_ci_low and
speedup_ci_high the speedup's interval (table.py says how; empty at the
baseline point), and amdahl_speedup, Amdahl's law at the point's ranks
with the series' fitted serial fraction (strong scaling)."""
import csv
import statistics

from .numbers import fmt_float

RUN_COLUMNS = ["file", "workload", "mode", "size", "params", "schedule", "chunk", "order",
               "ranks", "host", "wall_s", "imbalance", "busy_mean_s", "wait_mean_s",
               "items_total", "oversubscribed", "version"]
SUMMARY_COLUMNS = ["workload", "mode", "size", "params", "schedule", "chunk", "order", "ranks",
                   "runs", "wall_median_s", "wall_min_s", "wall_max_s", "base_ranks", "speedup",
                   "efficiency", "karp_flatt", "imbalance", "oversubscribed", "hosts",
                   "wall_ci_low_s", "wall_ci_high_s", "ci_coverage", "speedup_ci_low",
                   "speedup_ci_high", "amdahl_speedup"]


def _yes(flag):
    return "yes" if flag else "no"


def run_rows(series_list):
    for s in series_list:
        for pt in s.points:
            for run in pt.runs:
                ranks = run.report["timing"]["ranks"]
                yield {
                    "file": run.file, "workload": run.workload, "mode": s.mode,
                    "size": run.size_text(), "params": run.params_text(),
                    "schedule": run.schedule, "chunk": run.chunk, "order": run.order,
                    "ranks": run.ranks, "host": run.host, "wall_s": fmt_float(run.wall_s),
                    "imbalance": fmt_float(run.report.get("imbalance")),
                    "busy_mean_s": fmt_float(statistics.mean(r["busy_s"] for r in ranks)),
                    "wait_mean_s": fmt_float(statistics.mean(r["wait_s"] for r in ranks)),
                    "items_total": run.report.get("items_total", ""),
                    "oversubscribed": _yes(pt.oversubscribed),
                    "version": run.report.get("version", ""),
                }


def summary_rows(series_list):
    for s in series_list:
        for pt in s.points:
            yield {
                "workload": s.workload, "mode": s.mode, "size": pt.size, "params": s.params,
                "schedule": s.schedule, "chunk": s.chunk, "order": s.order, "ranks": pt.ranks,
                "runs": len(pt.runs), "wall_median_s": fmt_float(pt.wall_median),
                "wall_min_s": fmt_float(pt.wall_min), "wall_max_s": fmt_float(pt.wall_max),
                "base_ranks": s.base_ranks, "speedup": fmt_float(pt.speedup),
                "efficiency": fmt_float(pt.efficiency), "karp_flatt": fmt_float(pt.karp_flatt),
                "imbalance": fmt_float(pt.imbalance), "oversubscribed": _yes(pt.oversubscribed),
                "hosts": pt.hosts,
                "wall_ci_low_s": fmt_float(pt.ci and pt.ci.low),
                "wall_ci_high_s": fmt_float(pt.ci and pt.ci.high),
                "ci_coverage": fmt_float(pt.ci and pt.ci.coverage),
                "speedup_ci_low": fmt_float(pt.speedup_ci_low),
                "speedup_ci_high": fmt_float(pt.speedup_ci_high),
                "amdahl_speedup": fmt_float(pt.amdahl_speedup),
            }


def write_csv(path, columns, rows):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_tables(out, series_list):
    """Writes out/runs.csv and out/summary.csv; returns their paths."""
    runs, summary = out / "runs.csv", out / "summary.csv"
    write_csv(runs, RUN_COLUMNS, run_rows(series_list))
    write_csv(summary, SUMMARY_COLUMNS, summary_rows(series_list))
    return runs, summary
