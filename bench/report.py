#!/usr/bin/env python3
"""Turns bench/run.sh's results.tsv into the markdown table: medians over the runs, and
ratios computed pair by pair within each run (then their median)."""
import argparse
import collections
import statistics

DRIVERS = ["libfastgpt", "libcurl", "httpx"]
MODES = {
    "seq": "5000 sequential completions (s)",
    "threads": "4 threads × 1000 completions (s)",
    "stream200k": "stream, 200,000 events / 31 MB (s)",
    "stream1k": "stream, 1,000 events (s)",
    "ttfe": "time to first event, 50 ms drip (ms, median of 20)",
}
# mode -> (max libfastgpt/libcurl ratio, min httpx/libfastgpt ratio or None)
# Issue 14: non-stream 1.1x, 4 threads 1.25x, the 200k stream 2x libcurl and 10x faster than httpx.
TARGETS = {"seq": (1.1, None), "threads": (1.25, None), "stream200k": (2.0, 10.0), "ttfe": (1.5, None)}
RSS_LIMIT_MIB = 12.0
RSS_FLAT_MIB = 1.0


def fmt(v, mode):
    if mode == "ttfe":
        return f"{v:.2f}"
    return f"{v:.3f}" if v >= 0.1 else f"{v:.4f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    for a in ("date", "machine", "load", "load_end", "quiet", "runs", "versions"):
        ap.add_argument("--" + a.replace("_", "-"), default="?")
    args = ap.parse_args()

    val = collections.defaultdict(dict)   # (mode, driver) -> {run: value}
    rss = collections.defaultdict(dict)
    with open(args.results) as f:
        next(f)
        for line in f:
            run, mode, driver, value, kib = line.split("\t")
            val[(mode, driver)][int(run)] = float(value)
            rss[(mode, driver)][int(run)] = int(kib) / 1024.0

    def med(mode, driver, table=val):
        return statistics.median(table[(mode, driver)].values())

    def ratio(mode, num, den):
        runs = sorted(set(val[(mode, num)]) & set(val[(mode, den)]))
        rs = [val[(mode, num)][r] / val[(mode, den)][r] for r in runs]
        return statistics.median(rs), min(rs), max(rs)

    out = []
    out.append(f"Date: {args.date}; machine: {args.machine}; {args.runs} runs of every mode, "
               f"drivers in rotating order.  ")
    out.append(f"1-minute load average at the start: {args.load} (quiet: {args.quiet}), "
               f"at the end: {args.load_end}.  ")
    out.append(f"Versions: {args.versions}.")
    out.append("")
    out.append("| mode | libfastgpt | libcurl | httpx | libfastgpt / libcurl (median, min–max) "
               "| target | met | httpx / libfastgpt |")
    out.append("|---|---:|---:|---:|---:|---|---|---:|")
    met = {}
    for mode, label in MODES.items():
        if not all((mode, d) in val for d in DRIVERS):
            continue
        r, lo, hi = ratio(mode, "libfastgpt", "libcurl")
        h, hlo, hhi = ratio(mode, "httpx", "libfastgpt")
        target, ok = "–", "–"
        if mode in TARGETS:
            tmax, hmin = TARGETS[mode]
            target = f"≤ {tmax}×" + (f", ≥ {hmin}× faster than httpx" if hmin else "")
            good = r <= tmax and (hmin is None or h >= hmin)
            met[mode] = good
            ok = "yes" if good else "**no**"
        out.append(f"| {label} | {fmt(med(mode, 'libfastgpt'), mode)} | {fmt(med(mode, 'libcurl'), mode)} "
                   f"| {fmt(med(mode, 'httpx'), mode)} | {r:.2f}× ({lo:.2f}–{hi:.2f}) | {target} | {ok} "
                   f"| {h:.1f}× |")
    out.append("")
    out.append("Peak RSS (MiB, `/usr/bin/time -v` Maximum resident set size, median over the runs):")
    out.append("")
    out.append("| mode | libfastgpt | libcurl | httpx |")
    out.append("|---|---:|---:|---:|")
    for mode, label in MODES.items():
        if all((mode, d) in rss for d in DRIVERS):
            out.append(f"| {label.split(' (')[0]} | " + " | ".join(
                f"{med(mode, d, rss):.1f}" for d in DRIVERS) + " |")
    if ("stream200k", "libfastgpt") in rss and ("stream1k", "libfastgpt") in rss:
        peak = max(med(m, "libfastgpt", rss) for m in MODES if (m, "libfastgpt") in rss)
        big, small = med("stream200k", "libfastgpt", rss), med("stream1k", "libfastgpt", rss)
        ok_peak = peak <= RSS_LIMIT_MIB
        ok_flat = big - small <= RSS_FLAT_MIB
        out.append("")
        out.append("| RSS target (libfastgpt) | value | met |")
        out.append("|---|---:|---|")
        out.append(f"| peak RSS ≤ {RSS_LIMIT_MIB:g} MiB (largest median over all modes) | {peak:.1f} MiB "
                   f"| {'yes' if ok_peak else '**no**'} |")
        out.append(f"| flat: 200,000-event minus 1,000-event stream ≤ {RSS_FLAT_MIB:g} MiB | "
                   f"{big - small:+.1f} MiB ({small:.1f} → {big:.1f}) | {'yes' if ok_flat else '**no**'} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
