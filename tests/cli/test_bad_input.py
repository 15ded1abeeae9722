#!/usr/bin/env python3
"""Bad input across every subcommand of rangefarm, from one table.

Each case must give its exit status (2 for bad input, as documented), print
nothing on stdout and exactly one line on stderr, written by rank 0,
``rangefarm: error: ...`` holding the case's text, with no MPI banner, and
leave its work dir as it was: no file created (no FILE.tmp either), none
changed. Each case runs as an MPI singleton and under mpirun at 2 ranks
(tagged, to see the line come from rank 0); those marked np3 also at 3
ranks. See cli_common.BadInput and BadInputChecks.

Adding a case is one line in BAD_INPUTS:
    bad(NAME, ARGS, STATUS, TEXT[, files={NAME: CONTENT}][, np3=True])
ARGS is split as a shell would split it and runs in a fresh, empty work dir
(relative paths land there); files are written into it first (a name ending
in "/" is a directory), e.g. a corrupt file for the run to refuse.

Usage: test_bad_input.py --binary PATH [--mpirun PATH] [unittest options]
"""

import math
import os
import re
import sys
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_common  # noqa: E402

bad = cli_common.BadInput
USAGE = 2  # exit status of bad input

# One case a line, however long.
# Journals as rangefarm writes them (first line: the run's identity).
PERFECT_100_JOURNAL = '{"rangefarm_journal":1,"run":{"from":1,"method":"sieve","to":100,"workload":"perfect"}}\n'
PERFECT_100_RECORD = '{"hi":101,"lo":1,"partial":"0 0 76 2 22 2 0 6 28\\n"}\n'
MERSENNE_100_JOURNAL = ('{"rangefarm_journal":1,"run":{"from":2,"items":"exponents",'
                        '"tf_bits":"default","to":100,"workload":"mersenne"}}\n')
# A record of p = 4, which is not a prime exponent of the run (CRC right).
MERSENNE_100_RECORD_P4 = ('{"crc":%d,"items":[[4,5]],"partial":"x"}\n'
                          % zlib.crc32(b'[[4,5]] x'))
SYNTHETIC_10_JOURNAL = ('{"rangefarm_journal":1,"run":{"cost":"random","items":"tasks",'
                        '"seed":1,"tasks":10,"workload":"synthetic"}}\n')
# Written before records named their items: positions in its item_order.
SYNTHETIC_10_OLD_JOURNAL = ('{"rangefarm_journal":1,"run":{"cost":"random","item_order":"smallest-first",'
                            '"seed":1,"tasks":10,"workload":"synthetic"}}\n')
# A trace as rangefarm --trace writes it: the header and one chunk record.
TRACE_HEADER = ('{"type":"header","format":"rangefarm-trace","version":1,"subcommand":"perfect",'
                '"ranks":1,"hosts":["h"],"schedule":"dynamic","chunk":2,"order":"given",'
                '"items_total":2,"items_restored":0,"resumed":false,"cost_unit":null,'
                '"command":"rangefarm perfect --to 2"}\n')
TRACE_CHUNK = ('{"type":"chunk","rank":0,"host":"h","first":0,"last":1,"items":2,'
               '"start_s":0.0,"end_s":0.5,"cost":null}\n')
FACTORIAL_10_JOURNAL = '{"rangefarm_journal":1,"run":{"ns":[10],"ranks":1,"workload":"factorial"}}\n'

BAD_INPUTS = [
    # The command line as a whole, in rangefarm's words, not CLI11's: an
    # unknown option named first, with the closest known one (issue 23).
    bad("no_subcommand", "", USAGE, "no subcommand given (use one of: perfect, factorial, mersenne, synthetic, simulate; see rangefarm --help)", np3=True),
    bad("unknown_subcommand", "frobnicate", USAGE, "unknown subcommand 'frobnicate' (use one of: perfect, factorial, mersenne, synthetic, simulate; see rangefarm --help)", np3=True),
    bad("misspelt_subcommand", "perfekt --to 10", USAGE, "unknown subcommand 'perfekt' (did you mean perfect? use one of: perfect, factorial, mersenne, synthetic, simulate; see rangefarm --help)"),
    bad("misspelt_top_level_option", "--versoin", USAGE, "unknown option '--versoin' (did you mean --version? see rangefarm --help)", np3=True),
    bad("unknown_option_before_subcommand", "--version2 perfect --to 10", USAGE, "unknown option '--version2' (did you mean --version? see rangefarm --help)"),
    bad("unknown_option_first", "--bogus perfect --to 10", USAGE, "unknown option '--bogus' (see rangefarm --help)"),
    bad("option_before_subcommand", "--json - perfect --to 10", USAGE, "--json comes before the subcommand: options follow it, as in rangefarm perfect --json ... (see rangefarm perfect --help)"),
    bad("option_value_before_subcommand", "--to 100 perfect", USAGE, "--to comes before the subcommand: options follow it, as in rangefarm perfect --to ... (see rangefarm perfect --help)", np3=True),
    bad("options_without_subcommand", "--to 100", USAGE, "--to comes before the subcommand: options follow it, as in rangefarm perfect --to ..."),
    bad("two_subcommands", "perfect --to 10 mersenne --to 10", USAGE, "'mersenne' after perfect: one subcommand per run (see rangefarm --help)"),
    bad("misspelt_option", "perfect --too 100", USAGE, "unknown option '--too' for perfect (did you mean --to? see rangefarm perfect --help)", np3=True),
    bad("misspelt_option_with_value", "perfect --to 100 --schedule=guided --chunk-size=5", USAGE, "unknown option '--chunk-size' for perfect (see rangefarm perfect --help)"),
    bad("single_dash_option", "perfect -to 100", USAGE, "unknown option '-to' for perfect (did you mean --to? see rangefarm perfect --help)"),
    bad("option_prefix", "perfect --to 100 --check j", USAGE, "unknown option '--check' for perfect (did you mean --checkpoint? see rangefarm perfect --help)"),
    bad("flag_given_a_value", "perfect --to 100 --quiet=maybe", USAGE, "--quiet takes no value, got 'maybe'"),
    bad("word_after_double_dash", "perfect --to 100 -- extra", USAGE, "unexpected argument 'extra' for perfect (it takes options only; see rangefarm perfect --help)"),

    # perfect
    bad("perfect_missing_to", "perfect", USAGE, "--to is required (see rangefarm perfect --help)", np3=True),
    bad("perfect_to_without_value", "perfect --to", USAGE, "--to needs a value: --to N (see rangefarm perfect --help)"),
    bad("perfect_to_empty", "perfect --to ''", USAGE, "--to: '' is not an integer"),
    bad("perfect_to_not_a_number", "perfect --to abc", USAGE, "--to: 'abc' is not an integer"),
    bad("perfect_to_hex", "perfect --to 0x10", USAGE, "--to: '0x10' is not an integer"),
    bad("perfect_to_plus_sign", "perfect --to +5", USAGE, "--to: '+5' is not an integer"),
    bad("perfect_to_zero", "perfect --to 0", USAGE, "--to: must be at least 1, got '0'"),
    bad("perfect_to_zero_scientific", "perfect --to 0e99", USAGE, "--to: must be at least 1, got '0e99'"),
    bad("perfect_to_negative", "perfect --to -5", USAGE, "--to: '-5' is negative", np3=True),
    # Decimal forms are read exactly: a value with a fraction is refused, saying it.
    bad("perfect_to_fraction", "perfect --to 2.55e1", USAGE, "--to: '2.55e1' is not a whole number: 2.55e1 = 25.5"),
    bad("perfect_to_fraction_exponent_zero", "perfect --to 1.5e0", USAGE, "--to: '1.5e0' is not a whole number: 1.5e0 = 1.5", np3=True),
    bad("perfect_to_negative_exponent", "perfect --to 1e-3", USAGE, "--to: '1e-3' is not a whole number: 1e-3 = 0.001"),
    bad("perfect_to_fraction_past_the_bound", "perfect --to 1.0000000000000001e15", USAGE, "--to: '1.0000000000000001e15' is not a whole number: 1.0000000000000001e15 = 1000000000000000.1"),
    # The documented limits hold for every form of a number.
    bad("perfect_to_decimal_above_max", "perfect --to 1.000000000000001e15", USAGE, "--to: 1.000000000000001e15 is above the largest supported bound, 1e15"),
    bad("perfect_to_decimal_above_max_scaled", "perfect --to 10.5e14", USAGE, "--to: 10.5e14 is above the largest supported bound, 1e15"),
    bad("perfect_to_decimal_overflow", "perfect --to 1.8446744073709551616e19", USAGE, "--to: '1.8446744073709551616e19' is too large (the limit is 2^64 - 1)"),
    bad("perfect_to_decimal_below_min", "perfect --to 0.0e5", USAGE, "--to: must be at least 1, got '0.0e5'"),
    bad("perfect_to_above_max", "perfect --to 1e16", USAGE, "--to: 1e16 is above the largest supported bound, 1e15"),
    bad("perfect_to_max_uint64", "perfect --to 18446744073709551615", USAGE, "is above the largest supported bound"),
    bad("perfect_to_overflow", "perfect --to 18446744073709551616", USAGE, "'18446744073709551616' is too large (the limit is 2^64 - 1)", np3=True),
    bad("perfect_to_exponent_overflow", "perfect --to 1e20", USAGE, "--to: '1e20' is too large"),
    bad("perfect_to_twice", "perfect --to 10 --to 20", USAGE, "--to is given 2 times; give it once"),
    bad("perfect_from_zero", "perfect --from 0 --to 100", USAGE, "--from: must be at least 1"),
    bad("perfect_from_negative", "perfect --from -1 --to 100", USAGE, "--from: '-1' is negative"),
    bad("perfect_from_above_to", "perfect --from 100 --to 10", USAGE, "--from 100 is greater than --to 10", np3=True),
    bad("perfect_unknown_method", "perfect --to 100 --method magic", USAGE, "--method: unknown method 'magic'"),
    bad("perfect_unknown_schedule", "perfect --to 100 --schedule fastest", USAGE, "--schedule: unknown schedule 'fastest'", np3=True),
    bad("perfect_schedule_wrong_case", "perfect --to 100 --schedule Dynamic", USAGE, "unknown schedule 'Dynamic'"),
    bad("perfect_schedule_without_value", "perfect --to 100 --schedule", USAGE, "--schedule needs a value: --schedule NAME"),
    bad("perfect_chunk_zero", "perfect --to 100 --chunk 0", USAGE, "--chunk: must be at least 1"),
    bad("perfect_chunk_negative", "perfect --to 100 --chunk -1", USAGE, "--chunk: '-1' is negative"),
    bad("perfect_chunk_fraction", "perfect --to 100 --chunk 1.5", USAGE, "--chunk: '1.5' is not a whole number"),
    bad("perfect_chunk_decimal_fraction", "perfect --to 100 --chunk 2.55e1", USAGE, "--chunk: '2.55e1' is not a whole number: 2.55e1 = 25.5"),
    bad("perfect_chunk_dot_only", "perfect --to 100 --chunk .", USAGE, "--chunk: '.' is not an integer"),
    bad("perfect_chunk_overflow", "perfect --to 100 --chunk 1e20", USAGE, "--chunk: '1e20' is too large"),
    bad("perfect_order_largest_first", "perfect --to 100 --order largest-first", USAGE, "--order largest-first: perfect has no cost model to order by (use given)", np3=True),
    bad("perfect_unknown_order", "perfect --to 100 --order Given", USAGE, "--order: unknown order 'Given' (use given or largest-first)"),
    bad("perfect_unknown_option", "perfect --to 100 --bogus-option", USAGE, "unknown option '--bogus-option' for perfect (see rangefarm perfect --help)"),
    bad("perfect_extra_argument", "perfect --to 100 extra", USAGE, "unexpected argument 'extra' for perfect (it takes options only; see rangefarm perfect --help)"),
    bad("perfect_json_without_value", "perfect --to 100 --json", USAGE, "--json needs a value: --json FILE"),
    bad("perfect_json_into_missing_dir", "perfect --to 100 --json missing/r.json", USAGE, "--json: cannot write 'missing/r.json': its directory does not exist", np3=True),
    bad("perfect_json_into_missing_root_dir", "perfect --to 100 --json /nonexistent-dir/x.json", USAGE, "its directory does not exist"),
    bad("perfect_json_onto_dir", "perfect --to 100 --json out", USAGE, "--json: cannot write 'out': is a directory", files={"out/": ""}),
    bad("perfect_json_under_a_file", "perfect --to 100 --json notes.txt/r.json", USAGE, "its directory does not exist", files={"notes.txt": "keep\n"}),
    bad("perfect_json_empty_name", "perfect --to 100 --json ''", USAGE, "--json: empty file name"),
    bad("perfect_checkpoint_empty_name", "perfect --to 100 --checkpoint ''", USAGE, "--checkpoint: empty file name"),
    bad("perfect_json_into_proc", "perfect --to 100 --json /proc/rangefarm-test.json", USAGE, "--json: cannot write '/proc/rangefarm-test.json': cannot create a file in its directory", np3=True),
    bad("perfect_checkpoint_into_proc", "perfect --to 100 --checkpoint /proc/rangefarm-test.journal", USAGE, "--checkpoint: cannot write '/proc/rangefarm-test.journal': cannot create a file in its directory"),
    bad("perfect_json_is_checkpoint", "perfect --to 100 --json j --checkpoint j", USAGE, "--json and --checkpoint name the same file 'j': one would overwrite the other", np3=True),
    bad("perfect_json_is_resumed_journal", "perfect --to 100 --json ./j --checkpoint j --resume", USAGE, "--json and --checkpoint name the same file 'j'", files={"j": PERFECT_100_JOURNAL + PERFECT_100_RECORD}),
    bad("perfect_json_kept_on_bad_input", "perfect --to 0 --json r.json", USAGE, "--to: must be at least 1", files={"r.json": '{"old": true}\n'}),

    # factorial
    bad("factorial_no_n", "factorial", USAGE, "N is required (see rangefarm factorial --help)", np3=True),
    bad("factorial_fraction", "factorial 1.5", USAGE, "N: '1.5' is not a whole number"),
    bad("factorial_negative", "factorial -3", USAGE, "N: '-3' is negative"),
    bad("factorial_negative_in_a_list", "factorial 10 -1", USAGE, "N: '-1' is negative"),
    bad("factorial_not_a_number", "factorial abc", USAGE, "N: 'abc' is not an integer"),
    bad("factorial_empty_in_a_list", "factorial 10 ''", USAGE, "N: '' is not an integer"),
    bad("factorial_fractional_exponent", "factorial 1e3.5", USAGE, "N: '1e3.5' is not an integer"),
    bad("factorial_decimal_fraction", "factorial 12.5e-1", USAGE, "N: '12.5e-1' is not a whole number: 12.5e-1 = 1.25"),
    bad("factorial_decimal_above_max", "factorial 4.000000001e9", USAGE, "N: 4.000000001e9 is above the largest supported n, 4e9"),
    bad("factorial_above_max", "factorial 5e9", USAGE, "N: 5e9 is above the largest supported n, 4e9", np3=True),
    bad("factorial_above_max_in_a_list", "factorial 10 4000000001 20", USAGE, "N: 4000000001 is above"),
    bad("factorial_overflow", "factorial 18446744073709551616", USAGE, "N: '18446744073709551616' is too large"),
    bad("factorial_unknown_schedule", "factorial 10 --schedule fastest", USAGE, "unknown schedule 'fastest'"),
    bad("factorial_chunk_zero", "factorial 10 --chunk 0", USAGE, "--chunk: must be at least 1"),
    bad("factorial_chunk_not_a_number", "factorial 10 --chunk x", USAGE, "--chunk: 'x' is not an integer"),
    bad("factorial_unknown_option", "factorial 10 --bogus", USAGE, "unknown option '--bogus' for factorial (see rangefarm factorial --help)"),
    bad("factorial_misspelt_option", "factorial 10 --ouput f.txt", USAGE, "unknown option '--ouput' for factorial (did you mean --output? see rangefarm factorial --help)"),
    bad("factorial_order_largest_first", "factorial 10 --order largest-first", USAGE, "--order largest-first: factorial has no cost model to order by (use given)"),
    bad("factorial_unknown_order", "factorial 10 --order weird", USAGE, "--order: unknown order 'weird'"),
    bad("factorial_output_without_value", "factorial 10 --output", USAGE, "--output needs a value: --output FILE"),
    bad("factorial_output_into_missing_dir", "factorial 10 --output missing/f.txt", USAGE, "--output: cannot write 'missing/f.txt': its directory does not exist", np3=True),
    bad("factorial_output_into_missing_root_dir", "factorial 10 --output /nonexistent-dir/f.txt", USAGE, "--output: cannot write"),
    bad("factorial_output_onto_dir", "factorial 10 --output out", USAGE, "--output: cannot write 'out': is a directory", files={"out/": ""}),
    bad("factorial_json_into_missing_dir", "factorial 10 --json missing/r.json", USAGE, "--json: cannot write 'missing/r.json'"),
    bad("factorial_output_empty_name", "factorial 10 --output ''", USAGE, "--output: empty file name"),
    bad("factorial_output_is_json", "factorial 10 --output r --json r", USAGE, "--json and --output name the same file 'r'"),
    bad("factorial_output_into_proc", "factorial 10 --output /proc/rangefarm-digits.txt", USAGE, "--output: cannot write '/proc/rangefarm-digits.txt': cannot create a file in its directory"),
    bad("factorial_json_onto_dir", "factorial 10 --json out", USAGE, "--json: cannot write 'out': is a directory", files={"out/": ""}),
    bad("factorial_output_kept_on_bad_input", "factorial 5e9 --output f.txt", USAGE, "4e9", files={"f.txt": "10! = 3628800\n"}),

    # mersenne
    bad("mersenne_missing_to", "mersenne", USAGE, "--to is required", np3=True),
    bad("mersenne_missing_to_with_from", "mersenne --from 3", USAGE, "--to is required"),
    bad("mersenne_to_zero", "mersenne --to 0", USAGE, "--to: must be at least 1"),
    bad("mersenne_to_below_default_from", "mersenne --to 1", USAGE, "--from 2 is greater than --to 1"),
    bad("mersenne_to_not_a_number", "mersenne --to abc", USAGE, "--to: 'abc' is not an integer"),
    bad("mersenne_to_fraction", "mersenne --to 1.5", USAGE, "--to: '1.5' is not a whole number"),
    bad("mersenne_to_negative", "mersenne --to -5", USAGE, "--to: '-5' is negative"),
    bad("mersenne_to_above_max", "mersenne --to 2e7", USAGE, "--to: 2e7 is above the largest supported exponent, 1e7"),
    bad("mersenne_to_just_above_max", "mersenne --to 10000001", USAGE, "--to: 10000001 is above"),
    bad("mersenne_to_decimal_above_max", "mersenne --to 1.0000001e7", USAGE, "--to: 1.0000001e7 is above the largest supported exponent, 1e7"),
    bad("mersenne_to_overflow", "mersenne --to 18446744073709551616", USAGE, "--to: '18446744073709551616' is too large", np3=True),
    bad("mersenne_from_zero", "mersenne --from 0 --to 10", USAGE, "--from: must be at least 1"),
    bad("mersenne_from_above_to", "mersenne --from 20 --to 10", USAGE, "--from 20 is greater than --to 10"),
    bad("mersenne_from_not_a_number", "mersenne --from x --to 10", USAGE, "--from: 'x' is not an integer"),
    bad("mersenne_from_without_value", "mersenne --to 10 --from", USAGE, "--from needs a value: --from A"),
    bad("mersenne_tf_bits_65", "mersenne --to 10 --tf-bits 65", USAGE, "--tf-bits: at most 64, got 65"),
    bad("mersenne_tf_bits_negative", "mersenne --to 10 --tf-bits -1", USAGE, "--tf-bits: '-1' is negative"),
    bad("mersenne_tf_bits_not_a_number", "mersenne --to 10 --tf-bits x", USAGE, "--tf-bits: 'x' is not an integer"),
    bad("mersenne_tf_bits_overflow", "mersenne --to 10 --tf-bits 1e20", USAGE, "--tf-bits: '1e20' is too large"),
    bad("mersenne_unknown_order", "mersenne --to 10 --order weird", USAGE, "--order: unknown order 'weird'", np3=True),
    bad("mersenne_unknown_schedule", "mersenne --to 10 --schedule weird", USAGE, "unknown schedule 'weird'"),
    bad("mersenne_chunk_zero", "mersenne --to 10 --chunk 0", USAGE, "--chunk: must be at least 1"),
    bad("mersenne_chunk_negative", "mersenne --to 10 --chunk -1", USAGE, "--chunk: '-1' is negative"),
    bad("mersenne_unknown_option", "mersenne --to 10 --bogus", USAGE, "unknown option '--bogus' for mersenne (see rangefarm mersenne --help)"),
    bad("mersenne_misspelt_option", "mersenne --to 10 --tf-bit 3", USAGE, "unknown option '--tf-bit' for mersenne (did you mean --tf-bits? see rangefarm mersenne --help)"),
    bad("mersenne_output_into_missing_dir", "mersenne --to 100 --output missing/p.txt", USAGE, "--output: cannot write 'missing/p.txt': its directory does not exist"),
    bad("mersenne_output_into_missing_root_dir", "mersenne --to 100 --output /nonexistent-dir/p.txt", USAGE, "--output: cannot write"),
    bad("mersenne_output_onto_dir", "mersenne --to 100 --output out", USAGE, "--output: cannot write 'out': is a directory", files={"out/": ""}),
    bad("mersenne_json_into_missing_dir", "mersenne --to 100 --json missing/r.json", USAGE, "--json: cannot write 'missing/r.json'"),
    bad("mersenne_output_empty_name", "mersenne --to 100 --output ''", USAGE, "--output: empty file name"),
    bad("mersenne_output_is_json_by_another_name", "mersenne --to 100 --output sub/../r --json r", USAGE, "--json and --output name the same file 'sub/../r'", files={"sub/": ""}),
    bad("mersenne_output_is_existing_json", "mersenne --to 100 --output r --json ./r", USAGE, "--json and --output name the same file 'r'", files={"r": "{}\n"}),
    bad("mersenne_json_onto_dir", "mersenne --to 100 --json out", USAGE, "--json: cannot write 'out': is a directory", files={"out/": ""}),
    bad("mersenne_bad_input_writes_no_file", "mersenne --to 2e7 --output p.txt --json r.json", USAGE, "2e7", np3=True),
    bad("mersenne_files_kept_on_bad_input", "mersenne --to 10 --order weird --output p.txt --json r.json", USAGE, "weird", files={"p.txt": "old\n", "r.json": "{}\n"}),
    bad("mersenne_ll_save_every_zero", "mersenne --to 100 --ll-save-every 0", USAGE, "--ll-save-every: must be at least 1"),

    # synthetic
    bad("synthetic_missing_tasks", "synthetic --cost uniform --unit-ms 1", USAGE, "--tasks is required", np3=True),
    bad("synthetic_missing_cost", "synthetic --tasks 10 --unit-ms 1", USAGE, "--cost is required"),
    bad("synthetic_missing_unit_ms", "synthetic --tasks 10 --cost uniform", USAGE, "--unit-ms is required"),
    bad("synthetic_tasks_zero", "synthetic --tasks 0 --cost uniform --unit-ms 1", USAGE, "--tasks: must be at least 1, got '0'"),
    bad("synthetic_tasks_above_max", "synthetic --tasks 1e13 --cost uniform --unit-ms 1", USAGE, "--tasks: at most 1e12, got '1e13'", np3=True),
    bad("synthetic_tasks_just_above_max", "synthetic --tasks 1000000000001 --cost uniform --unit-ms 1", USAGE, "--tasks: at most 1e12"),
    bad("synthetic_tasks_decimal_above_max", "synthetic --tasks 1.000000000001e12 --cost uniform --unit-ms 1", USAGE, "--tasks: at most 1e12, got '1.000000000001e12'"),
    bad("synthetic_tasks_negative", "synthetic --tasks -3 --cost uniform --unit-ms 1", USAGE, "--tasks: '-3' is negative"),
    bad("synthetic_tasks_fraction", "synthetic --tasks 1.5 --cost uniform --unit-ms 1", USAGE, "--tasks: '1.5' is not a whole number"),
    bad("synthetic_tasks_overflow", "synthetic --tasks 18446744073709551616 --cost uniform --unit-ms 1", USAGE, "--tasks: '18446744073709551616' is too large"),
    bad("synthetic_unknown_cost", "synthetic --tasks 10 --cost weird --unit-ms 1", USAGE, "--cost: unknown profile 'weird' (use uniform, linear, random or heavy)", np3=True),
    bad("synthetic_cost_wrong_case", "synthetic --tasks 10 --cost Linear --unit-ms 1", USAGE, "--cost: unknown profile 'Linear'"),
    bad("synthetic_unit_ms_negative", "synthetic --tasks 10 --cost uniform --unit-ms -1", USAGE, "--unit-ms: must be between 0 and 3600000 (an hour), got '-1'"),
    bad("synthetic_unit_ms_not_a_number", "synthetic --tasks 10 --cost uniform --unit-ms abc", USAGE, "--unit-ms: not a number of milliseconds: 'abc'"),
    bad("synthetic_unit_ms_empty", "synthetic --tasks 10 --cost uniform --unit-ms ''", USAGE, "--unit-ms: not a number of milliseconds: ''"),
    bad("synthetic_unit_ms_nan", "synthetic --tasks 10 --cost uniform --unit-ms nan", USAGE, "--unit-ms: not a number of milliseconds: 'nan'"),
    bad("synthetic_unit_ms_inf", "synthetic --tasks 10 --cost uniform --unit-ms inf", USAGE, "--unit-ms: not a number of milliseconds: 'inf'"),
    bad("synthetic_unit_ms_overflow", "synthetic --tasks 10 --cost uniform --unit-ms 1e400", USAGE, "--unit-ms: not a number of milliseconds: '1e400'"),
    bad("synthetic_unit_ms_trailing_text", "synthetic --tasks 10 --cost uniform --unit-ms 5ms", USAGE, "--unit-ms: not a number of milliseconds: '5ms'"),
    bad("synthetic_unit_ms_above_an_hour", "synthetic --tasks 10 --cost uniform --unit-ms 1e7", USAGE, "--unit-ms: must be between 0 and 3600000 (an hour), got '1e7'", np3=True),
    bad("synthetic_unit_ms_just_above_an_hour", "synthetic --tasks 10 --cost uniform --unit-ms 3600000.5", USAGE, "got '3600000.5'"),
    bad("synthetic_sleep_and_spin", "synthetic --tasks 10 --cost uniform --unit-ms 1 --sleep --spin", USAGE, "--sleep and --spin: choose one", np3=True),
    bad("synthetic_seed_not_a_number", "synthetic --tasks 10 --cost random --unit-ms 1 --seed abc", USAGE, "--seed: 'abc' is not an integer"),
    bad("synthetic_seed_negative", "synthetic --tasks 10 --cost random --unit-ms 1 --seed -1", USAGE, "--seed: '-1' is negative"),
    bad("synthetic_seed_overflow", "synthetic --tasks 10 --cost heavy --unit-ms 1 --seed 18446744073709551616", USAGE, "--seed: '18446744073709551616' is too large"),
    bad("synthetic_unknown_order", "synthetic --tasks 10 --cost linear --unit-ms 1 --order weird", USAGE, "--order: unknown order 'weird' (use given or largest-first)"),
    bad("synthetic_largest_first_too_many_tasks", "synthetic --tasks 2e7 --cost random --unit-ms 0 --schedule dynamic --order largest-first", USAGE, "--order largest-first: at most 1e7 tasks (the order is held on every rank); use --order given for more", np3=True),
    bad("synthetic_largest_first_too_many_tasks_guided", "synthetic --tasks 10000001 --cost heavy --unit-ms 0 --schedule guided", USAGE, "--order largest-first: at most 1e7 tasks"),
    bad("synthetic_unknown_schedule", "synthetic --tasks 10 --cost uniform --unit-ms 1 --schedule weird", USAGE, "--schedule: unknown schedule 'weird'"),
    bad("synthetic_chunk_zero", "synthetic --tasks 10 --cost uniform --unit-ms 1 --chunk 0", USAGE, "--chunk: must be at least 1, got '0'"),
    bad("synthetic_tasks_twice", "synthetic --tasks 10 --cost uniform --unit-ms 1 --tasks 5", USAGE, "--tasks is given 2 times; give it once"),
    bad("synthetic_unknown_option", "synthetic --tasks 10 --cost uniform --unit-ms 1 --tf-bits 3", USAGE, "unknown option '--tf-bits' for synthetic (see rangefarm synthetic --help)"),
    # The unknown option is named, not the --unit-ms it left missing.
    bad("synthetic_misspelt_option_first", "synthetic --tasks 10 --cost uniform --unit-m 1", USAGE, "unknown option '--unit-m' for synthetic (did you mean --unit-ms? see rangefarm synthetic --help)"),
    bad("synthetic_json_into_missing_dir", "synthetic --tasks 10 --cost uniform --unit-ms 0 --json missing/r.json", USAGE, "--json: cannot write 'missing/r.json': its directory does not exist", np3=True),
    bad("synthetic_json_onto_dir", "synthetic --tasks 10 --cost uniform --unit-ms 0 --json out", USAGE, "--json: cannot write 'out': is a directory", files={"out/": ""}),
    bad("synthetic_files_kept_on_bad_input", "synthetic --tasks 10 --cost uniform --unit-ms nan --json r.json --checkpoint j", USAGE, "'nan'", files={"r.json": "{}\n"}),

    # simulate: where the costs come from, said plainly
    bad("simulate_no_costs", "simulate --ranks 2", USAGE, "no costs to simulate: give --trace FILE (a run's trace) or --costs C1,C2,... (see rangefarm simulate --help)", np3=True),
    bad("simulate_trace_and_costs", "simulate --costs 1,2 --trace t --ranks 2", USAGE, "--trace and --costs: give one, not both (the items' costs come from a trace or from the list)", files={"t": TRACE_HEADER + TRACE_CHUNK}),
    bad("simulate_trace_not_json", "simulate --trace t --ranks 2", USAGE, "--trace: t line 1 is not JSON: expected the JSON lines that a run writes with --trace FILE", files={"t": "root:x:0:0:root:/root:/bin/bash\n"}),
    bad("simulate_trace_record_without_field", "simulate --trace t --ranks 2", USAGE, "--trace: t line 2: key 'first' not found (expected a rangefarm trace record)", files={"t": TRACE_HEADER + TRACE_CHUNK.replace('"first":0,', '')}),
    bad("simulate_trace_field_of_another_type", "simulate --trace t --ranks 2", USAGE, "--trace: t line 2: type must be number, but is string (expected a rangefarm trace record)", files={"t": TRACE_HEADER + TRACE_CHUNK.replace('"items":2', '"items":"2"')}),
    bad("simulate_trace_is_a_directory", "simulate --trace d --ranks 2", USAGE, "--trace: 'd' is a directory, not a trace file", files={"d/": ""}),
    bad("simulate_missing_trace", "simulate --trace nothing.jsonl --ranks 2", USAGE, "--trace: cannot read 'nothing.jsonl'"),
    bad("simulate_ranks_without_value", "simulate --costs 1 --ranks", USAGE, "--ranks needs a value: --ranks LIST (see rangefarm simulate --help)"),
    bad("simulate_unknown_option", "simulate --costs 1 --ranks 2 --rank 3", USAGE, "unknown option '--rank' for simulate (did you mean --ranks? see rangefarm simulate --help)"),

    # --- checkpoint and resume: the journal is left exactly as it was ---
    bad("resume_without_checkpoint", "perfect --to 100 --resume", USAGE, "--resume needs --checkpoint FILE", np3=True),
    bad("resume_without_journal", "perfect --to 100 --checkpoint j --resume", USAGE, "no checkpoint 'j' to resume"),
    bad("checkpoint_exists_without_resume", "perfect --to 100 --checkpoint j", USAGE, "'j' already exists; add --resume", files={"j": PERFECT_100_JOURNAL}),
    bad("checkpoint_onto_dir", "mersenne --to 100 --checkpoint out", USAGE, "--checkpoint: cannot write 'out': is a directory", files={"out/": ""}),
    bad("resume_not_a_journal", "perfect --to 100 --checkpoint j --resume", USAGE, "is empty or not a rangefarm journal", files={"j": "hello\n"}),
    # A torn header of another run's: nothing in it can be used; say what to do.
    bad("resume_torn_foreign_header", "perfect --to 100 --checkpoint j --resume", USAGE, "nothing in it can be resumed; remove it and run without --resume", files={"j": PERFECT_100_JOURNAL.replace("sieve", "trial")[:60]}),
    bad("resume_corrupt_journal", "perfect --to 100 --checkpoint j --resume", USAGE, "'j' is corrupt at line 2", files={"j": PERFECT_100_JOURNAL + "garbage\n" + PERFECT_100_RECORD}),
    bad("resume_other_range", "perfect --to 1000 --checkpoint j --resume", USAGE, "belongs to another run (to 100 there, 1000 here)", files={"j": PERFECT_100_JOURNAL}, np3=True),
    bad("resume_other_method", "perfect --to 100 --method trial --checkpoint j --resume", USAGE, "method", files={"j": PERFECT_100_JOURNAL}),
    bad("resume_other_workload", "mersenne --to 100 --checkpoint j --resume", USAGE, "belongs to another run", files={"j": PERFECT_100_JOURNAL}),
    bad("resume_other_tf_bits", "mersenne --to 100 --tf-bits 10 --checkpoint j --resume", USAGE, "tf_bits", files={"j": MERSENNE_100_JOURNAL}),
    bad("resume_other_synthetic_seed", "synthetic --tasks 10 --cost random --unit-ms 0 --seed 2 --checkpoint j --resume", USAGE, "belongs to another run (seed 1 there, 2 here)", files={"j": SYNTHETIC_10_JOURNAL}),
    bad("resume_item_not_of_the_run", "mersenne --to 100 --checkpoint j --resume", USAGE, "'j' is corrupt at line 2 (it names an item that is not this run's)", files={"j": MERSENNE_100_JOURNAL + MERSENNE_100_RECORD_P4}),
    bad("resume_old_journal_unknown_order", "synthetic --tasks 10 --cost random --unit-ms 0 --checkpoint j --resume", USAGE, "numbers its items in an unknown order 'smallest-first'", files={"j": SYNTHETIC_10_OLD_JOURNAL}),
    bad("resume_other_factorials", "factorial 11 --checkpoint j --resume", USAGE, "belongs to another run (ns [10] there, [11] here)", files={"j": FACTORIAL_10_JOURNAL}),
]


class BadInputTest(cli_common.BadInputChecks, unittest.TestCase):
    """One test per BAD_INPUTS case, every launch a subtest."""


cli_common.add_bad_input_tests(BadInputTest, BAD_INPUTS)


class WholeDecimalFormsTest(unittest.TestCase):
    """The other side of the table: every decimal form of a whole number is
    taken, exactly, for every number option (the value in the report)."""

    def report(self, args, workload):
        proc = cli_common.run(self.binary, None, args + ["--json", "-", "--quiet"])
        return cli_common.json_report(self, proc, args, None, workload)

    def test_perfect_range_and_chunk(self):
        report, info = self.report(["perfect", "--from", "9.5e1", "--to", "1.05e3",
                                    "--chunk", "2.5e2"], "perfect")
        params = report["params"]
        self.assertEqual((params["from"], params["to"], params["chunk"]), (95, 1050, 250), info)
        self.assertEqual(report["result"]["perfect_numbers"], [496], info)
        self.assertEqual(report["items_total"], 1050 - 95 + 1, info)

    def test_largest_bound_in_decimal_form(self):
        report, info = self.report(["perfect", "--from", "0.999999999999999e15",
                                    "--to", "1.000000000000000e15"], "perfect")
        self.assertEqual((report["params"]["from"], report["params"]["to"]),
                         (999999999999999, 10 ** 15), info)

    def test_factorial_and_synthetic(self):
        report, info = self.report(["factorial", "2.0e1", "30e-1", "--chunk", "0.5e1"],
                                   "factorial")
        self.assertEqual(report["params"]["ns"], [20, 3], info)
        report, info = self.report(["synthetic", "--tasks", "1.2e1", "--cost", "uniform",
                                    "--unit-ms", "0", "--seed", "1.8446744073709551615e19"],
                                   "synthetic")
        self.assertEqual(report["params"]["tasks"], 12, info)
        self.assertEqual(report["params"]["seed"], 2 ** 64 - 1, info)


def available_memory_gib():
    """MemAvailable from /proc/meminfo, in GiB (None when unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / (1 << 20)
    except OSError:
        pass
    return None


class FactorialMemoryRefusalTest(cli_common.BadInputChecks, unittest.TestCase):
    """An n! too big for this machine's memory is bad input too; its line
    gives n!'s size and the estimate, so it cannot be a line in the table."""

    def check_memory_refusal(self, n, args, decimal):
        size_gib = math.lgamma(n + 1) / math.log(2) / 8 / (1 << 30)
        have = available_memory_gib()
        # The estimate is several times n!'s size; never risk running it.
        if have is None or have > 4 * size_gib:
            self.skipTest(f"{have} GiB available: {n}! might be attempted")
        case = bad(f"factorial_{n}_memory", args, USAGE,
                   f"{n}! has about")
        for line in self.check_case(case):
            info = f"\n  {args}: {line!r}"
            self.assertIn(f"({size_gib:.1f} GiB)", line, info)
            figures = [float(g) for g in
                       re.findall(r"(\d+(?:\.\d+)?) GiB", line)]
            # The estimate: above n!'s size and what is available.
            self.assertTrue(any(f > max(size_gib, have) for f in figures),
                            info)
            if decimal:
                self.assertTrue(any(f > 9 * size_gib for f in figures), info)

    def test_too_big_for_memory(self):
        # 3e9 passes the 4e9 limit but not the memory estimate.
        self.check_memory_refusal(3000000000, "factorial 3e9", False)

    def test_too_big_for_memory_with_output(self):
        self.check_memory_refusal(4000000000, "factorial 4e9 --output f.txt",
                                  True)


def selected_tests(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from selected_tests(test)
        else:
            yield test


def load_tests(loader, tests, pattern):
    """unittest's hook, given the tests selected (-k applied): their cases'
    launches all start at once, BAD_INPUT_PARALLEL at a time, as the class
    is set up. (Tests named on the command line start their own.)"""
    del loader, pattern
    BadInputTest.prefetch_names = {
        test._testMethodName[len("test_"):] for test in selected_tests(tests)
        if isinstance(test, BadInputTest)}
    return tests


def main():
    opts, rest = cli_common.parse_args("test_bad_input.py")
    for cls in (BadInputTest, FactorialMemoryRefusalTest, WholeDecimalFormsTest):
        cls.binary = os.path.abspath(opts.binary)
        cls.mpirun = opts.mpirun
    cli_common.run_tests(rest)


if __name__ == "__main__":
    main()
