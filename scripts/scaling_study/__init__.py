"""The scaling study behind scripts/scaling.py: run rangefarm over rank
counts, schedules, chunk sizes and workloads (sweep.py, weak.py), or read
JSON reports written elsewhere (results.py), and turn the reports into
tables (table.py), plots (plots.py) and a Markdown report (report.py).

The tables are built only from the JSON reports on disk (study.py), so a
live sweep and --from-results on its saved reports give the same CSVs."""
