#!/usr/bin/env python3
"""Hottest frames of a JFR recording's execution samples: self (top frame) and inclusive
(anywhere on the stack), overall and for dev.strangler frames. Usage: jfr-top.py file.jfr [n]"""
import collections, re, subprocess, sys

path = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 25
text = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "96", path],
                      capture_output=True, text=True, check=True).stdout
frame = re.compile(r"^\s+([\w$.<>/]+)\(")
self_counts, incl, ours = collections.Counter(), collections.Counter(), collections.Counter()
samples = 0
for event in text.split("jdk.ExecutionSample")[1:]:
    frames = [m.group(1) for m in (frame.match(l) for l in event.splitlines()) if m]
    if not frames:
        continue
    samples += 1
    self_counts[frames[0]] += 1
    for f in set(frames):
        incl[f] += 1
        if f.startswith("dev.strangler"):
            ours[f] += 1
print(f"{samples} execution samples")
for title, counter in (("self", self_counts), ("inclusive", incl), ("inclusive, dev.strangler", ours)):
    print(f"\n-- top {n} {title} --")
    for f, c in counter.most_common(n):
        print(f"{100.0 * c / samples:6.2f}%  {f}")
