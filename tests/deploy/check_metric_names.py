#!/usr/bin/python3
"""The alerts speak the exporter's contract: tests/deploy/metric_names.txt.

In deploy/prometheus/alerts.yml, every metric an expression names is a family of the
contract (a histogram's _bucket/_sum/_count too); every label a selector matches on is
one of that metric's labels, and a value it matches with = or != is one the label can take
when its values are a closed set; every label of by/without/on/ignoring/group_left and of
$labels.X in the annotations is a label of some metric the expression names, or instance/
job. The input series of alerts_test.yml must fit the contract the same way, so the rule
tests run on series the exporter could serve. An alert on a metric the exporter does not
serve, or on a value it never sets, would never fire; this catches it before production.

Usage: check_metric_names.py METRIC_NAMES_TXT ALERTS_YML ALERTS_TEST_YML
"""
import re
import sys

import yaml

SCRAPE_LABELS = {"instance", "job"}
TYPES = {"counter", "gauge", "histogram"}
MATCHER = re.compile(r'([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
SELECTOR = re.compile(r"\b(tcpsight_\w+)\s*(\{[^}]*\})?")

errors = []


def load_contract(path):
    """{family: (type, {label: set of values or None})}"""
    families = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) != 3 or parts[1] not in TYPES or not parts[0].startswith("tcpsight_"):
                errors.append(f"{path}:{n}: not `tcpsight_NAME counter|gauge|histogram LABELS`: {line}")
                continue
            name, kind, labels = parts
            if name in families:
                errors.append(f"{path}:{n}: {name} listed twice")
            if kind == "counter" and not name.endswith("_total"):
                errors.append(f"{path}:{n}: counter {name} does not end in _total")
            lab = {}
            for item in [] if labels == "-" else labels.split(","):
                label, _, values = item.partition("=")
                lab[label] = set(values.split("|")) if values else None
            families[name] = (kind, lab)
    return families


def family_of(families, name):
    """(family name, labels) for a series name, or (None, None)."""
    if name in families:
        kind, labels = families[name]
        return (name, labels) if kind != "histogram" else (name, None)  # a histogram has no plain series
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and families.get(base, ("",))[0] == "histogram":
            labels = dict(families[base][1])
            if suffix == "_bucket":
                labels["le"] = None
            return base, labels
    return None, None


def check_matchers(where, name, labels, body, allow_scrape=True):
    for label, op, value in MATCHER.findall(body or ""):
        if label in SCRAPE_LABELS and allow_scrape:
            continue
        if label not in labels:
            errors.append(f"{where}: {name} has no label {label!r} (has {sorted(labels)})")
            continue
        allowed = labels[label]
        if allowed is not None and op in ("=", "!=") and value not in allowed:
            errors.append(f"{where}: {name}{{{label}}} is never {value!r} (one of {sorted(allowed)})")
        if allowed is not None and op == "=~" and re.fullmatch(r"[\w|]+", value):
            for v in value.split("|"):
                if v not in allowed:
                    errors.append(f"{where}: {name}{{{label}}} is never {v!r} (one of {sorted(allowed)})")


def check_expr(where, expr, families):
    """The labels the expression's metrics have (with instance, job), after checking it."""
    known = set(SCRAPE_LABELS)
    named = 0
    for m in SELECTOR.finditer(expr):
        if m.start() > 0 and (expr[m.start() - 1] == '"'):  # a label value, not a metric
            continue
        name, body = m.group(1), m.group(2)
        fam, labels = family_of(families, name)
        if fam is None:
            errors.append(f"{where}: {name} is not a metric of the contract (tests/deploy/metric_names.txt)")
            continue
        named += 1
        known |= set(labels)
        check_matchers(where, name, labels, body)
    bare = STRING.sub('""', expr)
    for m in re.finditer(r"\b[a-z_][a-z0-9_]*_total\b", bare):
        if not m.group(0).startswith("tcpsight_"):
            errors.append(f"{where}: {m.group(0)} is not a tcpsight metric")
    if named == 0:
        errors.append(f"{where}: names no tcpsight metric")
    for _, labels in GROUPING.findall(bare):
        for label in filter(None, (x.strip() for x in labels.split(","))):
            if label not in known:
                errors.append(f"{where}: groups by {label!r}, which none of its metrics has")
    return known


def main(contract_path, alerts_path, test_path):
    families = load_contract(contract_path)
    with open(alerts_path, encoding="utf-8") as f:
        alerts = yaml.safe_load(f)
    rules = [r for g in alerts["groups"] for r in g["rules"]]
    for r in rules:
        name = r.get("alert") or r.get("record")
        known = check_expr(f"alerts.yml {name}", r["expr"], families)
        for key, text in list(r.get("annotations", {}).items()) + list(r.get("labels", {}).items()):
            for label in re.findall(r"\$labels\.(\w+)", text):
                if label not in known:
                    errors.append(f"alerts.yml {name} {key}: $labels.{label} is no label of its metrics")

    with open(test_path, encoding="utf-8") as f:
        tests = yaml.safe_load(f)
    for t in tests["tests"]:
        for s in t.get("input_series", []):
            m = re.fullmatch(r"\s*(\w+)\s*(\{.*\})?\s*", s["series"])
            if not m:
                errors.append(f"alerts_test.yml: cannot read series {s['series']!r}")
                continue
            fam, labels = family_of(families, m.group(1))
            if fam is None:
                errors.append(f"alerts_test.yml: {m.group(1)} is not a metric of the contract")
                continue
            check_matchers("alerts_test.yml", m.group(1), labels, m.group(2))
            given = {lab for lab, _, _ in MATCHER.findall(m.group(2) or "")}
            missing = set(labels) - {"le"} - given
            if missing:
                errors.append(f"alerts_test.yml: {s['series']} lacks label(s) {sorted(missing)}")
    used = {family_of(families, name)[0] for r in rules for name, _ in SELECTOR.findall(r["expr"])}
    return len(families), len(rules), len(used - {None})


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    nf, nr, nu = main(*sys.argv[1:])
    for e in errors:
        print("FAIL:", e)
    if errors:
        sys.exit(1)
    print(f"{nr} alerts use {nu} of the contract's {nf} metric families, with their labels and values: ok")
