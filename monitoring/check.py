#!/usr/bin/env python3
"""Offline checks of monitoring/ beyond what promtool and amtool check by themselves.

* The Grafana dashboard: unique panel ids; a `datasource` variable (type datasource,
  Prometheus) that every panel, target and query variable uses as `${datasource}`; a title,
  a description and a unit on every panel; rate/increase windows are `$__rate_interval`
  (or `$__range`), never hard-coded; every query of an app metric is filtered by the `$job`
  and `$instance` variables.
* Every dashboard expression is parsed by promtool (written as recording rules, variables
  replaced by sample values, then `promtool check rules`).
* Every metric an alert rule or the dashboard reads under the app's prefixes
  (`http_server_`, `db_client_`, `sistema_aps_`, `process_`) is in the live exposition
  given with --metrics (the one the app really serves), except the backup timestamp, which
  the backup job writes through node_exporter.
* Every alert has a unit test that fires and one that stays silent.

Usage: check.py --promtool PATH --metrics live-metrics.txt [--workdir DIR]
Exit status 0 when everything holds; each problem is printed.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
DASHBOARD = HERE / "grafana" / "sistema-aps.json"
RULES = sorted((HERE / "prometheus" / "rules").glob("*.yml"))
TESTS = sorted((HERE / "prometheus" / "tests").glob("*.yml"))
APP_PREFIXES = ("http_server_", "db_client_", "sistema_aps_", "process_")
# Written by the backup job into node_exporter's textfile collector, not by the app.
NOT_FROM_THE_APP = {"sistema_aps_backup_last_success_timestamp_seconds"}
DS_UID = "${datasource}"
WINDOW = re.compile(r"\[([^\]]+)\]")
# Metric names: identifiers not followed by "(" (functions) and not inside quotes.
IDENT = re.compile(r"(?<![\w:\"$.])([a-zA-Z_][a-zA-Z0-9_:]*)(?![\w(])")
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "le", "inf", "nan",
}

problems = []


def problem(msg):
    problems.append(msg)
    print(f"FAIL: {msg}")


def strip_strings(expr):
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)


def metric_names(expr):
    """Identifiers of an expression that name series (label names inside {} and by(...)
    are removed first)."""
    e = strip_strings(expr)
    e = re.sub(r"\{[^}]*\}", "", e)  # label matchers
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", e)
    e = WINDOW.sub("", e)
    names = set()
    for m in IDENT.finditer(e):
        word = m.group(1)
        if word.lower() in PROMQL_WORDS or re.fullmatch(r"\d.*", word):
            continue
        names.add(word)
    return names


def exposed_names(path):
    names = set()
    for line in Path(path).read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def check_dashboard(dash):
    variables = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problem("dashboard: no `datasource` variable of type datasource for Prometheus")
    for name, v in variables.items():
        if v.get("type") == "query" and (v.get("datasource") or {}).get("uid") != DS_UID:
            problem(f"dashboard: variable {name} does not use {DS_UID}")
    for needed in ("job", "instance"):
        if needed not in variables:
            problem(f"dashboard: no `{needed}` variable")
    ids = set()
    exprs = []
    for p in dash.get("panels", []):
        pid = p.get("id")
        where = f"panel {pid} ({p.get('title')!r})"
        if pid in ids:
            problem(f"{where}: duplicate id")
        ids.add(pid)
        if not p.get("title"):
            problem(f"{where}: no title")
        if not p.get("description"):
            problem(f"{where}: no description")
        if not p.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            problem(f"{where}: no unit")
        if (p.get("datasource") or {}).get("uid") != DS_UID:
            problem(f"{where}: datasource is not {DS_UID}")
        targets = p.get("targets") or []
        if not targets:
            problem(f"{where}: no query")
        for t in targets:
            if (t.get("datasource") or {}).get("uid") != DS_UID:
                problem(f"{where} {t.get('refId')}: datasource is not {DS_UID}")
            expr = t.get("expr", "")
            if not expr:
                problem(f"{where} {t.get('refId')}: empty expr")
                continue
            for window in WINDOW.findall(expr):
                if window not in ("$__rate_interval", "$__range"):
                    problem(f"{where}: hard-coded window [{window}] (use $__rate_interval)")
            if any(n.startswith(APP_PREFIXES) for n in metric_names(expr)) and not (
                'job=~"$job"' in expr and 'instance=~"$instance"' in expr
            ):
                problem(f"{where}: app query not filtered by $job and $instance: {expr}")
            exprs.append((where, expr))
    return exprs


def promtool_parse(promtool, exprs, workdir):
    """Parses every expression with promtool, as recording rules."""
    rules = []
    for i, (_, expr) in enumerate(exprs):
        e = expr.replace("$__rate_interval", "5m").replace("$__range", "1h")
        e = e.replace("$job", "sistema-aps").replace("$instance", ".*")
        rules.append({"record": f"dashboard:expr_{i}", "expr": e})
    out = Path(workdir) / "dashboard-exprs.rules.yml"
    out.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    res = subprocess.run([promtool, "check", "rules", str(out)], capture_output=True, text=True)
    print(res.stdout.strip())
    if res.returncode != 0:
        problem(f"promtool rejects a dashboard expression:\n{res.stdout}{res.stderr}")
    return len(rules)


def rule_exprs():
    alerts, records, exprs = [], set(), []
    for f in RULES:
        for group in yaml.safe_load(f.read_text())["groups"]:
            for r in group["rules"]:
                exprs.append((f"{f.name}: {r.get('alert') or r.get('record')}", r["expr"]))
                if "alert" in r:
                    alerts.append(r["alert"])
                else:
                    records.add(r["record"])
    return alerts, records, exprs


def check_names(exprs, exposed, records):
    for where, expr in exprs:
        for name in metric_names(expr):
            if ":" in name:
                if name not in records:
                    problem(f"{where}: unknown recording rule {name}")
                continue
            if not name.startswith(APP_PREFIXES) or name in NOT_FROM_THE_APP:
                continue
            if name not in exposed:
                problem(f"{where}: {name} is not in the app's /metrics")


def check_alert_tests(alerts):
    fires, silent = set(), set()
    for f in TESTS:
        for test in yaml.safe_load(f.read_text()).get("tests", []):
            for a in test.get("alert_rule_test", []):
                (fires if a.get("exp_alerts") else silent).add(a["alertname"])
    for alert in alerts:
        if alert not in fires:
            problem(f"alert {alert}: no test where it fires")
        if alert not in silent:
            problem(f"alert {alert}: no test where it stays silent")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--promtool", default="promtool")
    ap.add_argument("--metrics", required=True, help="the app's live /metrics output")
    ap.add_argument("--workdir", help="where to write the generated rules file")
    args = ap.parse_args()

    dash = json.loads(DASHBOARD.read_text())
    dash_exprs = check_dashboard(dash)
    alerts, records, rules = rule_exprs()
    with tempfile.TemporaryDirectory() as tmp:
        n = promtool_parse(args.promtool, dash_exprs, args.workdir or tmp)
    exposed = exposed_names(args.metrics)
    check_names(dash_exprs + rules, exposed, records)
    check_alert_tests(alerts)
    if problems:
        print(f"{len(problems)} problem(s)")
        sys.exit(1)
    print(
        f"OK: dashboard ({len(dash['panels'])} panels, {n} expressions parsed), "
        f"{len(alerts)} alerts with firing and silent tests, metric names match the app"
    )


if __name__ == "__main__":
    main()
