#!/usr/bin/python3
"""Every alert's `runbook` annotation names a section of README.md that exists.

The annotation is README.md#ANCHOR; ANCHOR must be the anchor GitHub generates for a
heading under `## Runbooks` (github-slugger: inline markup dropped, lowercased, every
character but letters, digits, `_`, `-` and spaces removed, spaces turned to `-`, a
repeated anchor suffixed -1, -2...). Each `###` section there must be some alert's runbook
too, so none outlives its alert.

Usage: check_runbooks.py ALERTS_YML README_MD
"""
import re
import sys

import yaml


def slug(text):
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links, images: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)  # \w: Unicode letters and digits, and _
    return text.replace(" ", "-")


def headings(path):
    """[(level, anchor)] of README's headings, outside fenced code, with GitHub's suffixes."""
    out, seen, fence = [], {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\s{0,3}(`{3,}|~{3,})", line)
            if m:
                if fence is None:
                    fence = m.group(1)[0]
                elif m.group(1)[0] == fence:
                    fence = None
                continue
            if fence:
                continue
            m = re.match(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$", line)
            if not m:
                continue
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.append((len(m.group(1)), base if n == 0 else f"{base}-{n}"))
    return out


def main(alerts_path, readme_path):
    errors = []
    with open(alerts_path, encoding="utf-8") as f:
        rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"] if "alert" in r]
    hs = headings(readme_path)
    all_anchors = {a for _, a in hs}
    # The ### sections under ## Runbooks.
    runbooks, inside = set(), False
    for level, anchor in hs:
        if level <= 2:
            inside = anchor == "runbooks"
        elif level == 3 and inside:
            runbooks.add(anchor)
    if "runbooks" not in all_anchors:
        errors.append("README.md has no `## Runbooks` section")
    used = set()
    for r in rules:
        rb = r.get("annotations", {}).get("runbook")
        if not rb:
            errors.append(f"{r['alert']}: no runbook annotation")
            continue
        m = re.fullmatch(r"README\.md#([^#\s]+)", rb)
        if not m:
            errors.append(f"{r['alert']}: runbook {rb!r} is not README.md#ANCHOR")
            continue
        used.add(m.group(1))
        if m.group(1) not in runbooks:
            where = "a heading outside ## Runbooks" if m.group(1) in all_anchors else "no heading of README.md"
            errors.append(f"{r['alert']}: runbook #{m.group(1)} is {where}")
    for stale in sorted(runbooks - used):
        errors.append(f"README.md ### section #{stale} under Runbooks is no alert's runbook")
    for e in errors:
        print("FAIL:", e)
    if errors:
        sys.exit(1)
    print(f"{len(rules)} alerts, each with its runbook section in README.md: ok")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
