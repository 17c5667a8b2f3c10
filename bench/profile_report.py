#!/usr/bin/env python3
"""Summaries for bench/run.sh --profile.

  profile_report.py callgrind FILE [--top N]   top functions by self and inclusive
                                               instruction count (Ir), with file:line
  profile_report.py perfstat DIR               perf stat counters of each driver side by side
  profile_report.py instructions DIR --work MODE=N ...
                                               callgrind totals of every driver and mode
                                               (DIR/callgrind.DRIVER.MODE.out), per unit
                                               of work, and ratios to libcurl

file:line is where the function's own code starts: the lowest line with cost in the
function's own file (from the line tables of the debug build).
"""
import argparse
import collections
import glob
import os
import re


def parse_callgrind(path):
    names = {"fl": {}, "fn": {}, "ob": {}}
    kind_of = {"fl": "fl", "fi": "fl", "fe": "fl", "cfl": "fl", "cfi": "fl",
               "fn": "fn", "cfn": "fn", "ob": "ob", "cob": "ob"}
    self_cost = collections.Counter()
    call_cost = collections.Counter()
    file_of = {}
    first_line = {}
    total = 0
    fl = fi = fn = cfn = None
    last_pos = 0
    after_calls = False
    comp = re.compile(r"^(\w+)=(?:\((\d+)\))?\s*(.*)$")
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            c0 = line[0]
            if c0.isdigit() or c0 in "+-*":
                parts = line.split()
                p = parts[0]
                if p == "*":
                    pos = last_pos
                elif p[0] in "+-":
                    pos = last_pos + int(p)
                else:
                    pos = int(p)
                last_pos = pos
                cost = int(parts[1]) if len(parts) > 1 else 0
                if after_calls:
                    if cfn != fn:                       # no double count of self-recursion
                        call_cost[fn] += cost
                    after_calls = False
                else:
                    self_cost[fn] += cost
                    total += cost
                    if fi == file_of.get(fn) and pos > 0:
                        first_line[fn] = min(first_line.get(fn, pos), pos)
                continue
            m = comp.match(line)
            if not m:
                continue
            key, ident, name = m.groups()
            if key == "calls":
                after_calls = True
                continue
            if key == "totals" or key == "summary":
                continue
            if key not in kind_of:
                continue
            table = names[kind_of[key]]
            if ident is not None:
                if name:
                    table[ident] = name
                value = table.get(ident, name)
            else:
                value = name
            if key == "fl":
                fl = fi = value
            elif key in ("fi", "fe"):
                fi = value
            elif key == "fn":
                fn = value
                file_of.setdefault(fn, fl)
                fi = fl
            elif key == "cfn":
                cfn = value
    return total, self_cost, call_cost, file_of, first_line


# The checkout this script lives in: its files are shown relative to it.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def short(path):
    if path is None:
        return "?"
    if path.startswith(REPO):
        return path[len(REPO):]
    for marker in ("/registry/src/", "/vendor/crates/", "/rustc/"):
        i = path.find(marker)
        if i >= 0:
            rest = path[i + len(marker):]
            if marker == "/registry/src/":     # index-name/crate-version/...
                rest = rest.split("/", 1)[1] if "/" in rest else rest
            if marker == "/rustc/":
                rest = "rust/" + (rest.split("/", 1)[1] if "/" in rest else rest)
            return rest
    return path


def shorten_fn(name, width=90):
    name = re.sub(r"::h[0-9a-f]{16}$", "", name)
    return name if len(name) <= width else name[:width - 1] + "…"


def callgrind(args):
    total, self_cost, call_cost, file_of, first_line = parse_callgrind(args.file)
    incl = {fn: self_cost[fn] + call_cost[fn] for fn in set(self_cost) | set(call_cost)}

    def where(fn):
        line = first_line.get(fn)
        return f"{short(file_of.get(fn))}:{line}" if line else short(file_of.get(fn))

    print(f"### callgrind: {os.path.basename(args.file)} — {total:,} instructions (Ir) in all\n")
    print("Top functions by self cost:\n")
    print("| # | self Ir | share | function | file:line |")
    print("|---:|---:|---:|---|---|")
    for i, (fn, c) in enumerate(self_cost.most_common(args.top), 1):
        print(f"| {i} | {c:,} | {100 * c / total:.1f}% | `{shorten_fn(fn)}` | {where(fn)} |")
    print("\nTop functions by inclusive cost:\n")
    print("| # | inclusive Ir | share | function | file:line |")
    print("|---:|---:|---:|---|---|")
    # (below main) and unnamed addresses are callgrind artifacts (counted twice over)
    top = sorted(((fn, c) for fn, c in incl.items()
                  if c <= total and not fn.startswith("0x") and fn != "(below main)"),
                 key=lambda kv: -kv[1])[:args.top]
    for i, (fn, c) in enumerate(top, 1):
        print(f"| {i} | {c:,} | {100 * c / total:.1f}% | `{shorten_fn(fn)}` | {where(fn)} |")
    print()


def perfstat(args):
    rows = collections.defaultdict(dict)
    for path in sorted(glob.glob(os.path.join(args.dir, "perfstat.*.*.csv"))):
        _, driver, mode, _ = os.path.basename(path).split(".")
        for line in open(path):
            parts = line.strip().split(",")
            if len(parts) < 3 or line.startswith("#"):
                continue
            try:
                rows[(mode, parts[2])][driver] = float(parts[0])
            except ValueError:
                pass
    drivers = ["libfastgpt", "libcurl", "httpx"]
    print("### perf stat (whole process, one run each)\n")
    print("| mode | counter | " + " | ".join(drivers) + " | libfastgpt / libcurl |")
    print("|---|---|" + "---:|" * (len(drivers) + 1))
    for (mode, counter), v in sorted(rows.items()):
        cells = " | ".join(f"{v[d]:,.0f}" if d in v else "–" for d in drivers)
        r = f"{v['libfastgpt'] / v['libcurl']:.2f}×" if v.get("libcurl") else "–"
        print(f"| {mode} | {counter} | {cells} | {r} |")
    print()


def strace(args):
    per = {}
    for d in ("libfastgpt", "libcurl"):
        path = os.path.join(args.dir, f"strace.{d}.seq.txt")
        if not os.path.exists(path):
            continue
        counts = {}
        for line in open(path):
            parts = line.split()
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                errors = int(parts[4]) if len(parts) == 6 else 0
                counts[parts[-1]] = (int(parts[3]), errors)
        per[d] = counts
    names = sorted({n for c in per.values() for n in c},
                   key=lambda n: -max(c.get(n, (0, 0))[0] for c in per.values()))
    print(f"### syscalls per sequential completion (strace -c, {args.calls} calls)\n")
    print("| syscall | libfastgpt | libcurl |")
    print("|---|---:|---:|")
    for n in names:
        cells = []
        for d in ("libfastgpt", "libcurl"):
            calls, errors = per.get(d, {}).get(n, (0, 0))
            cells.append(f"{calls / args.calls:.2f}" + (f" ({errors / args.calls:.2f} failed)" if errors else ""))
        if any(per.get(d, {}).get(n, (0, 0))[0] >= args.calls / 10 for d in per):
            print(f"| {n} | {cells[0]} | {cells[1]} |")
    print()


def callgrind_total(path):
    """The total instruction count of a callgrind output file (its summary line)."""
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    return None


UNITS = {"stream200k": "event", "stream1k": "event", "seq": "call", "threads": "call"}
LABELS = {
    "stream200k": "stream, 200,000 events",
    "stream1k": "stream, 1,000 events",
    "seq": "sequential completions",
    "threads": "4 threads, completions",
}


def instructions(args):
    work = dict(kv.split("=", 1) for kv in args.work)
    work = {k: int(v) for k, v in work.items()}
    drivers = ["libfastgpt", "libcurl", "httpx"]
    tot = {}
    for path in glob.glob(os.path.join(args.dir, "callgrind.*.*.out")):
        _, driver, mode, _ = os.path.basename(path).split(".")
        t = callgrind_total(path)
        if t is not None:
            tot[(driver, mode)] = t
    present = [d for d in drivers if any(k[0] == d for k in tot)]
    print(f"### Instruction counts (valgrind --tool=callgrind, whole process), {args.date}\n")
    print("| mode | work | " + " | ".join(f"{d} Ir" for d in present) + " | "
          + " | ".join(f"{d} Ir/unit" for d in present) + " | libfastgpt / libcurl |"
          + (" httpx / libfastgpt |" if "httpx" in present else ""))
    print("|---|---:|" + "---:|" * (2 * len(present) + 1 + ("httpx" in present)))
    for mode in ("stream200k", "stream1k", "seq", "threads"):
        if not any((d, mode) in tot for d in present):
            continue
        n = work.get(mode, 1)
        cells = [f"{tot[(d, mode)]:,}" if (d, mode) in tot else "–" for d in present]
        per = [f"{tot[(d, mode)] / n:,.0f}" if (d, mode) in tot else "–" for d in present]
        f, c, h = tot.get(("libfastgpt", mode)), tot.get(("libcurl", mode)), tot.get(("httpx", mode))
        ratio = f"{f / c:.2f}×" if f and c else "–"
        row = f"| {LABELS.get(mode, mode)} | {n:,} {UNITS.get(mode, 'unit')}s | " + " | ".join(cells) + " | " \
            + " | ".join(per) + f" | {ratio} |"
        if "httpx" in present:
            row += f" {h / f:.1f}× |" if h and f else " – |"
        print(row)
    # Marginal cost of an event: the 1,000-event run's total (start-up, connection, request,
    # result) cancels out.
    if ("libfastgpt", "stream1k") in tot and work.get("stream200k") and work.get("stream1k"):
        dn = work["stream200k"] - work["stream1k"]
        print("\nMarginal instructions per event ((Ir 200k - Ir 1k) / "
              f"{dn:,} events):\n")
        print("| " + " | ".join(present) + " | libfastgpt / libcurl |")
        print("|" + "---:|" * (len(present) + 1))
        m = {d: (tot[(d, "stream200k")] - tot[(d, "stream1k")]) / dn
             for d in present if (d, "stream200k") in tot and (d, "stream1k") in tot}
        cells = [f"{m[d]:,.0f}" if d in m else "–" for d in present]
        r = f"{m['libfastgpt'] / m['libcurl']:.2f}×" if m.get("libcurl") and "libfastgpt" in m else "–"
        print("| " + " | ".join(cells) + f" | {r} |")
    print()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("callgrind")
    a.add_argument("file")
    a.add_argument("--top", type=int, default=10)
    b = sub.add_parser("perfstat")
    b.add_argument("dir")
    c = sub.add_parser("strace")
    c.add_argument("dir")
    c.add_argument("calls", type=int)
    d = sub.add_parser("instructions")
    d.add_argument("dir")
    d.add_argument("--work", nargs="+", default=[], metavar="MODE=N")
    d.add_argument("--date", default="")
    args = ap.parse_args()
    {"callgrind": callgrind, "perfstat": perfstat, "strace": strace,
     "instructions": instructions}[args.cmd](args)


if __name__ == "__main__":
    main()
