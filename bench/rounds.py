#!/usr/bin/env python3
"""rounds.py: the summary every comparison script prints (bench/run_l2fwd.sh,
bench/run_tcp.sh, bench/run_pvp.sh).

Reads a CSV of runs with the columns
    point,metric,round,contender,value,unit,status,note
(one row per run and metric; status ok, n/a or failed) and prints, for each
point and metric:
  - each contender's value by round, median, min and max (ok runs only);
  - the reference contender's ratio to each other contender per round,
    pairing the two runs of the same round (a round where either failed has
    no ratio), with the ratios' median, min and max;
  - with --pair A/B (repeatable) only the ratios A/B listed, instead of
    each reference's to every other contender (bench/run_firewall.sh:
    each contender with the firewall on against its own "off");
  - with --target "POINT/METRIC[/CONTENDER]>=X" (or <=X), whether the
    ratio to that contender (to every other one when none is named) meets
    it, at the median and in how many rounds; "POINT/METRIC/A/B>=X" names
    one --pair.
Then every run that is not ok, with its reason. Exit status 1 when any run
failed (status "failed"; "n/a" is a point a contender cannot run by design,
with the reason given), else 0.

  rounds.py CSV [--ref vmknet ...] [--target "POINT/METRIC[/CONTENDER]>=X" ...]
                [--pair A/B ...] [--no-ratio METRIC ...] [--json OUT]

--json writes the summary (medians, min, max, ratios) for plots and docs.
"""
import argparse
import csv
import json
import statistics
import sys


def fmt(x):
    if x is None:
        return "n/a"
    return "%.0f" % x if abs(x) >= 1000 else "%.2f" % x


def parse_target(s):
    for op in (">=", "<="):
        if op in s:
            key, goal = s.split(op)
            return key.strip(), op, float(goal.rstrip("x"))
    raise SystemExit("rounds.py: bad --target %r (POINT/METRIC>=X or <=X)" % s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--ref", action="append", default=[],
                    help="reference contender(s), default vmknet: ratios are ref/other")
    ap.add_argument("--target", action="append", default=[])
    ap.add_argument("--no-ratio", action="append", default=[])
    ap.add_argument("--pair", action="append", default=[],
                    help="A/B: the ratio A/B only (repeatable), instead of ref/every other")
    ap.add_argument("--json")
    a = ap.parse_args()
    refs = a.ref or ["vmknet"]
    rows = list(csv.DictReader(open(a.csv)))
    targets = dict((k, (op, g)) for k, op, g in map(parse_target, a.target))
    keys = list(dict.fromkeys((r["point"], r["metric"]) for r in rows))
    summary = []
    for point, metric in keys:
        rs = [r for r in rows if r["point"] == point and r["metric"] == metric]
        unit = next((r["unit"] for r in rs if r["unit"]), "")
        who = list(dict.fromkeys(r["contender"] for r in rs))
        ok = {}
        for c in who:
            ok[c] = {r["round"]: float(r["value"]) for r in rs
                     if r["contender"] == c and r["status"] == "ok" and r["value"]}
        rounds = list(dict.fromkeys(r["round"] for r in rs))
        print("%s, %s (%s)" % (point, metric, unit))
        entry = {"point": point, "metric": metric, "unit": unit, "contenders": {}, "ratios": {}}
        for c in who:
            by = " ".join(fmt(ok[c][n]) if n in ok[c] else "FAIL" if any(
                r["round"] == n and r["contender"] == c and r["status"] == "failed"
                for r in rs) else "n/a" for n in rounds)
            v = list(ok[c].values())
            st = (statistics.median(v), min(v), max(v)) if v else (None, None, None)
            entry["contenders"][c] = {"median": st[0], "min": st[1], "max": st[2],
                                      "runs": len(v), "by_round": ok[c]}
            print("  %-12s median %10s  min %10s  max %10s   by round: %s" % (
                c, fmt(st[0]), fmt(st[1]), fmt(st[2]), by))
        if metric in a.no_ratio:
            pairs = []
        elif a.pair:
            pairs = [tuple(p.split("/", 1)) for p in a.pair]
            pairs = [(x, y) for x, y in pairs if x in ok and y in ok]
        else:
            pairs = [(ref, c) for ref in refs if ref in ok for c in who if c not in refs]
        for ref, c in pairs:
            pr = [(n, ok[ref][n] / ok[c][n]) for n in rounds
                  if n in ok[ref] and n in ok[c] and ok[c][n]]
            if not pr:
                print("  %s/%s: no round with both" % (ref, c))
                continue
            v = [x for _, x in pr]
            med = statistics.median(v)
            entry["ratios"]["%s/%s" % (ref, c)] = {"median": med, "min": min(v), "max": max(v),
                                  "by_round": dict(pr)}
            line = "  %s/%s per round: %s   median %.2fx min %.2fx max %.2fx (%d rounds)" % (
                ref, c, " ".join("%.2fx" % x for x in v), med, min(v), max(v), len(v))
            tk = "%s/%s/%s/%s" % (point, metric, ref, c)
            if tk not in targets:
                tk = "%s/%s/%s" % (point, metric, c)
            if tk not in targets:
                tk = "%s/%s" % (point, metric)
            if tk in targets:
                op, goal = targets[tk]
                good = (lambda x: x >= goal) if op == ">=" else (lambda x: x <= goal)
                n_met = sum(good(x) for x in v)
                line += "; target %s%gx: %s at the median, met in %d of %d rounds" % (
                    op, goal, "met" if good(med) else "NOT met", n_met, len(v))
                entry.setdefault("targets", {})["%s/%s" % (ref, c)] = {"op": op, "goal": goal, "median_met": good(med),
                                   "rounds_met": n_met, "rounds": len(v)}
            print(line)
        summary.append(entry)
        print()
    bad = [r for r in rows if r["status"] != "ok"]
    for r in bad:
        print("  %-7s %s, %s, round %s, %s: %s" % (r["status"].upper(), r["point"], r["metric"],
              r["round"], r["contender"], r["note"] or "no reason given"))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(summary, f, indent=1)
    failed = [r for r in bad if r["status"] == "failed"]
    if failed:
        print("\n%d run(s) FAILED (above); the benchmark fails." % len(
            {(r["point"], r["round"], r["contender"]) for r in failed}))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
