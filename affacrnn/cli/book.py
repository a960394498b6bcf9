"""``affacrnn book``: execute the book's chapters, build its HTML, or say how to open it.

Examples
--------
``affacrnn book --run out/``                 execute every chapter (smoke parameters) into out/
``affacrnn book --run out/ --full -p SEED=1``  full mode, with a parameter
``affacrnn book --html site/``               execute, then build the offline HTML book into site/
``affacrnn book --html site/ --executed out/`` build from chapters already executed into out/
``affacrnn book --lab``                      print how to open the book in JupyterLab
``affacrnn book --student handout/``         the chapters without solutions, for students
``affacrnn book --grade submissions/``       run submitted chapters, tabulate each student's exercises

Notebook: book/01_preface.ipynb
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
import time
from pathlib import Path

from affacrnn.cli.subparsers import Subparsers
from affacrnn.errors import ParameterError

__all__ = ["add_parser", "run"]


def _parameter(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE (e.g. SEED=1 or CORPUS=emodb); got {text!r}")
    try:
        parsed: object = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        parsed = value  # a bare string such as emodb
    return name, parsed


def add_parser(subparsers: Subparsers) -> argparse.ArgumentParser:
    """Register the ``book`` verb."""
    p = subparsers.add_parser(
        "book",
        help="run the book's chapters (papermill), build the offline HTML book, or open it in JupyterLab",
        description="Execute the chapters of book/ with papermill, build the HTML book from the executed "
        "chapters (Jupyter Book, offline, warnings are errors), or print how to open it in JupyterLab.",
        epilog="Smoke mode (the default) runs each chapter quickly on a small sample; --full runs everything.",
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--run", metavar="OUT", help="execute every chapter into the folder OUT")
    what.add_argument("--html", metavar="OUT", help="build the HTML book into OUT (executing the chapters first "
                                                    "into OUT/executed unless --executed is given)")
    what.add_argument("--lab", action="store_true", help="print how to open the book in JupyterLab")
    what.add_argument("--list", action="store_true", help="list the chapters in reading order")
    what.add_argument("--student", metavar="OUT", help="write the student edition into OUT: every chapter without "
                                                       "its solution cells, outputs cleared")
    what.add_argument("--grade", metavar="FOLDER", help="execute the notebooks in FOLDER/<student>/ (smoke mode "
                                                        "unless --full) and write grades.csv and grades.md "
                                                        "(default into FOLDER/_grades; see --out)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--smoke", dest="smoke", action="store_true", default=True,
                      help="quick runs on small samples (default)")
    mode.add_argument("--full", dest="smoke", action="store_false", help="run the chapters in full")
    p.add_argument("-p", "--parameter", action="append", type=_parameter, default=[], metavar="NAME=VALUE",
                   help="set a chapter parameter (repeatable), e.g. -p CORPUS=emodb -p SHOW_SOLUTIONS=True")
    p.add_argument("--chapter", action="append", metavar="NN", help="only this chapter (number or name; repeatable)")
    p.add_argument("--executed", metavar="DIR", help="with --html: folder of already executed chapters")
    p.add_argument("--jobs", type=int, metavar="N", default=None,
                   help="with --run/--html: chapters side by side in N lanes (default 2 on a machine with 2 or more "
                        "cores; 1 with --record-times: measured times need one chapter at a time)")
    p.add_argument("--record-times", action="store_true",
                   help="with --run: record each chapter's run time in book/_times.json and write it into the "
                        "chapter's parameters cell (for maintainers; run every chapter, smoke or --full)")
    p.add_argument("--out", metavar="DIR", help="with --grade: folder for grades.csv, grades.md and the executed "
                                                "notebooks (default FOLDER/_grades)")
    p.add_argument("--time-limit", type=float, metavar="SECONDS",
                   help="with --grade: seconds one whole submission may run before it is stopped (default 900 in "
                        "smoke mode, 14400 with --full)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="with --grade: run submissions with your rights even where bubblewrap could sandbox them")
    p.add_argument("--force", action="store_true",
                   help="with --student: overwrite notebooks already in OUT that differ from the handout "
                        "(a student's answers)")
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Carry out ``affacrnn book``; return the exit code."""
    from affacrnn.book import build as book

    quiet = bool(getattr(args, "quiet", False))
    if args.lab:
        print(book.lab_command())
        return 0
    if args.list:
        for chapter in book.chapters():
            print(chapter.stem)
        return 0
    parameters = dict(args.parameter)
    if args.record_times and not args.run:
        raise ParameterError("--record-times goes with --run (the times are those of the chapters it executes).")
    if args.jobs is not None and args.jobs < 1:
        raise ParameterError(f"--jobs must be 1 or more; got {args.jobs}.")
    if args.record_times and (args.jobs or 1) > 1:
        raise ParameterError("--record-times needs one chapter at a time (side by side each takes longer). Drop --jobs.")
    jobs = args.jobs or (1 if args.record_times or (os.cpu_count() or 1) < 2 else 2)
    if args.out is not None and not args.grade:
        raise ParameterError("--out goes with --grade (the folder for the grades). Drop --out, or add --grade FOLDER.")
    for flag, value in (("--time-limit", args.time_limit), ("--no-sandbox", args.no_sandbox)):
        if value not in (None, False) and not args.grade:
            raise ParameterError(f"{flag} goes with --grade. Drop {flag}, or add --grade FOLDER.")
    if args.force and args.student is None:
        raise ParameterError("--force goes with --student (overwrite answered notebooks). Drop --force.")
    for flag, value in (("--student", args.student), ("--grade", args.grade), ("--out", args.out),
                        ("--run", args.run), ("--html", args.html)):
        if value is not None and not str(value).strip():
            raise ParameterError(f"{flag} needs a folder; got an empty string.")
    if args.student:
        from affacrnn.book.classroom import student_edition

        written = student_edition(args.student, only=args.chapter, force=args.force)
        if not quiet:
            print(f"{len(written)} chapters without solutions written into {Path(args.student).resolve()}")
        return 0
    if args.grade:
        from affacrnn.book.classroom import grade

        table = grade(args.grade, out_dir=args.out, smoke=args.smoke, parameters=parameters, progress=not quiet,
                      only=args.chapter, time_limit=args.time_limit, isolate=not args.no_sandbox)
        if not quiet:
            print(Path(table.attrs["md_path"]).read_text(encoding="utf-8"))
        print(table.attrs["csv_path"])
        return 0
    if args.run:
        started = time.perf_counter()
        runs = book.run_chapters(args.run, smoke=args.smoke, parameters=parameters, progress=not quiet,
                                 only=args.chapter, jobs=jobs)
        wall = time.perf_counter() - started
        if args.record_times:
            from affacrnn.book.times import TIMES_FILE, record_times, stamp_parameters
            from affacrnn.data.corpora import default_corpus

            record_times(runs, smoke=args.smoke, corpus=str(parameters.get("CORPUS") or default_corpus()))
            stamp_parameters([r.chapter for r in runs])
            if not quiet:
                print(f"run times recorded in {TIMES_FILE} and the chapters' parameters cells")
        if not quiet:
            print(f"{len(runs)} chapters executed into {Path(args.run).resolve()} in {wall:.0f} s"
                  + (f" ({jobs} lanes side by side)" if jobs > 1 and len(runs) > 1 else ""))
        return 0
    if args.chapter and not args.executed:
        raise ParameterError("--chapter cannot be used with --html: the HTML book needs every chapter. Drop --chapter.")
    out = Path(args.html)
    executed = Path(args.executed) if args.executed else out / "executed"
    if not args.executed:
        book.run_chapters(executed, smoke=args.smoke, parameters=parameters, progress=not quiet, jobs=jobs)
    if not quiet:
        print("building the HTML book ...", file=sys.stderr, flush=True)
    html = book.build_html(executed, out)
    print(html / "index.html")
    return 0
