#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Assertions on the JSON of `vxm check --json` (schema in man/vxm.1.in), for test-check.sh.

  findings.py FILE schema                          the document follows the schema exactly
  findings.py FILE has ID VERDICT [SUBJECT [MESSAGE-RE [HINT-RE]]]
                                                   a finding of ID with that verdict (and subject, and a message and
                                                   hint matching the regular expressions; '' skips one)
  findings.py FILE lacks ID [VERDICT]              no finding of ID (with that verdict)
  findings.py FILE only-ok                         every finding is ok
  findings.py FILE ids                             print the ids that occur, one per line

Exits 1 with the findings of that id (or all) printed when an assertion does not hold.
"""
import json
import re
import sys

VERDICTS = ("ok", "warn", "fail")
KEYS = ["id", "verdict", "subject", "guest", "message", "hint"]


def die(msg, findings):
    print("FAIL: " + msg)
    for f in findings:
        print("  " + json.dumps(f))
    sys.exit(1)


def check_schema(doc):
    if list(doc.keys()) != ["version", "findings", "summary"]:
        die("top-level keys are %s" % list(doc.keys()), [])
    if doc["version"] != 1:
        die("version is %r" % doc["version"], [])
    counts = {v: 0 for v in VERDICTS}
    for f in doc["findings"]:
        if list(f.keys()) != KEYS:
            die("finding keys are %s" % list(f.keys()), [f])
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", f["id"]):
            die("id %r is not lowercase words joined by '-'" % f["id"], [f])
        if f["verdict"] not in VERDICTS:
            die("verdict %r" % f["verdict"], [f])
        for k in ("subject", "message"):
            if not isinstance(f[k], str) or not f[k]:
                die("%s is not a non-empty string" % k, [f])
        if f["guest"] is not None and not isinstance(f["guest"], str):
            die("guest is neither null nor a string", [f])
        if f["verdict"] == "ok" and f["hint"] is not None:
            die("an ok finding has a hint", [f])
        if f["hint"] is not None and (not isinstance(f["hint"], str) or not f["hint"]):
            die("hint is neither null nor a non-empty string", [f])
        counts[f["verdict"]] += 1
    if doc["summary"] != counts:
        die("summary %s does not count the findings (%s)" % (doc["summary"], counts), [])


def main():
    path, op, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(path) as fp:
        doc = json.load(fp)
    findings = doc["findings"]
    if op == "schema":
        check_schema(doc)
    elif op == "ids":
        for i in sorted({f["id"] for f in findings}):
            print(i)
    elif op == "only-ok":
        bad = [f for f in findings if f["verdict"] != "ok"]
        if bad:
            die("findings that are not ok", bad)
    elif op == "has":
        fid, verdict = args[0], args[1]
        subject = args[2] if len(args) > 2 else ""
        msg = args[3] if len(args) > 3 else ""
        hint = args[4] if len(args) > 4 else ""
        mine = [f for f in findings if f["id"] == fid]
        for f in mine:
            if f["verdict"] != verdict or (subject and f["subject"] != subject):
                continue
            if msg and not re.search(msg, f["message"], re.S):
                continue
            if hint and not (f["hint"] and re.search(hint, f["hint"], re.S)):
                continue
            return
        die("no %s finding %s%s%s%s" % (verdict, fid, " subject=" + subject if subject else "",
                                         " message~/" + msg + "/" if msg else "", " hint~/" + hint + "/" if hint else ""),
            mine or findings)
    elif op == "lacks":
        fid = args[0]
        verdict = args[1] if len(args) > 1 else None
        mine = [f for f in findings if f["id"] == fid and (verdict is None or f["verdict"] == verdict)]
        if mine:
            die("unexpected %s finding" % fid, mine)
    else:
        die("unknown operation " + op, [])


main()
