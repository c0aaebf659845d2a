#!/usr/bin/env python3
"""Turns `harness run --json` reports into the conformance matrix.

    python3 scripts/matrix-table.py --html docs/matrix.html --md docs/matrix.md \\
        --readme README.md NAME=LABEL=REPORT.json ...

Writes a cases x servers HTML table (grouped by category, each row with its
RFC section and level, colour-coded verdicts, per-server counts at the
top), one page per server under `matrix/` next to it with the account of
every case on that server (`matrix/NAME.html#CATEGORY/ID`: verdict, why,
bytes sent and received), to which each cell links, a Markdown summary
whose FAIL/WARN lists link there too, and replaces the README's summary between
`<!-- matrix:start -->` and `<!-- matrix:end -->`. Standard library only;
the output depends only on the reports, so a re-run with the same results
gives the same files.
"""
from __future__ import annotations

import argparse
import html
import json
import pathlib
import re
import sys

OUTCOMES = ["PASS", "WARN", "FAIL", "ERROR"]
SYMBOL = {"PASS": "✓", "WARN": "⚠", "FAIL": "✗", "ERROR": "!", None: "·"}
CATEGORY_ORDER = [
    "request-line", "methods", "host", "fields", "framing", "chunked", "smuggling",
    "line-endings", "limits", "fragments", "connection", "pipelining", "http10",
    "expect", "conditional", "responses",
]


def section_text(section: str) -> str:
    rfc, _, sec = section.partition("/")
    return f"RFC {rfc} §{sec}"


def load(spec: str):
    name, label, path = spec.split("=", 2)
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    cases = {c["id"]: c for c in report["cases"]}
    return {"name": name, "label": label, "cases": cases}


def counts(server, ids=None):
    out = {k: 0 for k in OUTCOMES}
    must_fail = 0
    for cid, c in server["cases"].items():
        if ids is not None and cid not in ids:
            continue
        out[c["outcome"]] = out.get(c["outcome"], 0) + 1
        if c["outcome"] == "FAIL" and c["level"] == "MUST":
            must_fail += 1
    out["MUST_FAIL"] = must_fail
    return out


def cell_title(c) -> str:
    parts = [c["outcome"]]
    if c.get("profile"):
        parts.append(c["profile"])
    parts.append(f"got: {', '.join(map(str, c.get('statuses') or [])) or 'no response'}; {c.get('connection', '')}")
    if c["outcome"] != "PASS":
        reason = c.get("reason", "").split("\n")[0]
        parts.append(reason)
    return "\n".join(parts)


def all_cases(servers):
    meta = {}
    for s in servers:
        for cid, c in s["cases"].items():
            meta.setdefault(cid, c)
    cats = {}
    for cid, c in meta.items():
        cats.setdefault(c["category"], []).append(c)
    order = [k for k in CATEGORY_ORDER if k in cats] + sorted(k for k in cats if k not in CATEGORY_ORDER)
    return meta, [(k, sorted(cats[k], key=lambda c: c["id"])) for k in order]


CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ddd; padding: 2px 6px; vertical-align: top; }
th { background: #f4f4f4; position: sticky; top: 0; }
td.v { text-align: center; min-width: 5.5em; }
td.v a { color: inherit; text-decoration: none; display: block; }
td.id a { color: inherit; }
td.PASS { background: #c8f0c8; } td.WARN { background: #ffe8a3; }
td.FAIL { background: #f7b6b6; } td.ERROR { background: #d0d0ff; } td.NONE { background: #eee; }
td.id { font-family: ui-monospace, monospace; white-space: nowrap; }
td.level { font-size: 12px; } td.sec { white-space: nowrap; font-size: 12px; }
.summary td { text-align: right; } .summary td:first-child { text-align: left; }
.legend span { display: inline-block; padding: 0 6px; margin-right: 6px; }
"""


# Most characters of the (escaped) bytes sent and received an account
# shows; the case file holds every byte sent, and `harness run --target
# HOST:PORT --id ID` shows the whole exchange.
SENT_SHOWN = 400
RECEIVED_SHOWN = 1200


def cut(text: str, limit: int, total: int | None = None) -> str:
    if len(text) <= limit:
        return text
    more = f"{total} bytes in all" if total is not None else f"{len(text)} characters in all"
    return text[:limit] + f"\n… ({more})"


def account_href(server, c) -> str:
    """The account of case `c` on `server`, relative to the matrix page."""
    return f"matrix/{server['name']}.html#{c['category']}/{c['id']}"


def case_file_href(c, depth: int) -> str:
    """The case file, from a page `depth` folders below the repository root."""
    return "../" * depth + f"fixtures/cases/{c['category']}/{c['id']}.toml"


ACCOUNT_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 70em; }
section { border-top: 1px solid #ddd; padding: .3em 0 .8em; }
section:target { background: #fff8c5; }
h2 { font-size: 1.05em; margin: .4em 0; font-family: ui-monospace, monospace; }
.PASS { color: #1a7f37; } .WARN { color: #9a6700; } .FAIL { color: #cf222e; } .ERROR { color: #8250df; }
pre { background: #f6f8fa; padding: .5em; white-space: pre-wrap; word-break: break-all; margin: .3em 0; }
blockquote { margin: .3em 0; padding-left: .8em; border-left: 3px solid #ccc; color: #555; }
"""


def write_accounts(folder: pathlib.Path, server, grouped):
    """One page per server: every case's account, anchored CATEGORY/ID."""
    e = html.escape
    out = []
    w = out.append
    w("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    w(f"<title>h1check conformance: {e(server['label'])}</title>\n<style>{ACCOUNT_CSS}</style>\n</head>\n<body>\n")
    c = counts(server)
    w(f"<h1>{e(server['label'])}</h1>\n<p>{sum(c[k] for k in OUTCOMES)} cases: {c['PASS']} PASS, "
      f"{c['WARN']} WARN, {c['FAIL']} FAIL ({c['MUST_FAIL']} MUST), {c['ERROR']} ERROR. "
      "Back to <a href=\"../matrix.html\">the matrix</a>.</p>\n")
    for cat, cases in grouped:
        w(f"<h1 id=\"{e(cat)}\">{e(cat)}</h1>\n")
        for meta in cases:
            r = server["cases"].get(meta["id"])
            name = f"{cat}/{meta['id']}"
            if r is None:
                w(f"<section id=\"{e(name)}\"><h2>{e(name)}</h2><p>not run on this server.</p></section>\n")
                continue
            got = ", ".join(map(str, r.get("statuses") or [])) or "no response"
            w(f"<section id=\"{e(name)}\">\n<h2><span class=\"{r['outcome']}\">{r['outcome']}</span> "
              f"<a href=\"#{e(name)}\">{e(name)}</a></h2>\n")
            w(f"<p>{e(section_text(r['section']))}, {r['level']}: {e(r['description'])} "
              f"(<a href=\"{e(case_file_href(r, 2))}\">case file</a>)</p>\n")
            w(f"<blockquote>{e(r['requirement'])}</blockquote>\n")
            if r.get("profile"):
                w(f"<p>Profile: {e(r['profile'])}</p>\n")
            w(f"<p>Got: {e(got)}; connection {e(r.get('connection', ''))}.</p>\n")
            w(f"<p>{e(r.get('reason', '')).replace(chr(10), '<br>')}</p>\n")
            w(f"<p>Sent:</p><pre>{e(cut(r.get('sent', ''), SENT_SHOWN))}</pre>\n")
            w(f"<p>Received:</p><pre>{e(cut(r.get('received', ''), RECEIVED_SHOWN, r.get('received_len')))}</pre>\n</section>\n")
    w("</body>\n</html>\n")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{server['name']}.html").write_text("".join(out), encoding="utf-8")


def write_html(path, servers, meta, grouped):
    out = []
    w = out.append
    w("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    w("<title>h1check conformance matrix</title>\n<style>" + CSS + "</style>\n</head>\n<body>\n")
    w("<h1>h1check conformance matrix</h1>\n")
    w(f"<p>{len(meta)} cases from <code>fixtures/cases/</code> against {len(servers)} servers on loopback, "
      "generated by <code>scripts/matrix.sh</code>. Hover over a cell for what the server did; "
      "click it for the whole account of that case on that server; a case's name opens its file.</p>\n")
    w("<p class=\"legend\"><span class=\"PASS\" style=\"background:#c8f0c8\">✓ PASS</span>"
      "<span style=\"background:#ffe8a3\">⚠ WARN: a SHOULD broken or a MAY choice that differs</span>"
      "<span style=\"background:#f7b6b6\">✗ FAIL: a MUST broken</span>"
      "<span style=\"background:#d0d0ff\">! ERROR: could not be judged</span></p>\n")
    w("<table class=\"summary\">\n<tr><th>server</th><th>PASS</th><th>WARN</th><th>FAIL</th>"
      "<th>of which MUST</th><th>ERROR</th></tr>\n")
    for s in servers:
        c = counts(s)
        w(f"<tr><td>{html.escape(s['label'])}</td><td>{c['PASS']}</td><td>{c['WARN']}</td>"
          f"<td>{c['FAIL']}</td><td>{c['MUST_FAIL']}</td><td>{c['ERROR']}</td></tr>\n")
    w("</table>\n")
    w("<p>Categories: " + ", ".join(f"<a href=\"#{k}\">{k}</a> ({len(v)})" for k, v in grouped) + "</p>\n")
    for cat, cases in grouped:
        ids = {c["id"] for c in cases}
        w(f"<h2 id=\"{cat}\">{cat} ({len(cases)} cases)</h2>\n<table>\n")
        w("<tr><th>case</th><th>section</th><th>level</th>")
        for s in servers:
            c = counts(s, ids)
            w(f"<th>{html.escape(s['label'])}<br><small>{c['PASS']} ✓ {c['WARN']} ⚠ {c['FAIL']} ✗</small></th>")
        w("</tr>\n")
        for c in cases:
            desc = html.escape(c["description"], quote=True)
            req = html.escape(c["requirement"], quote=True)
            w(f"<tr id=\"{html.escape(c['category'])}/{html.escape(c['id'])}\"><td class=\"id\" title=\"{desc}\">"
              f"<a href=\"{html.escape(case_file_href(c, 1))}\">{html.escape(c['id'])}</a></td>"
              f"<td class=\"sec\" title=\"{req}\">{section_text(c['section'])}</td>"
              f"<td class=\"level\">{c['level']}</td>")
            for s in servers:
                r = s["cases"].get(c["id"])
                if r is None:
                    w("<td class=\"v NONE\">·</td>")
                    continue
                title = html.escape(cell_title(r), quote=True)
                w(f"<td class=\"v {r['outcome']}\" title=\"{title}\">"
                  f"<a href=\"{html.escape(account_href(s, r))}\">{SYMBOL[r['outcome']]}</a></td>")
            w("</tr>\n")
        w("</table>\n")
    w("</body>\n</html>\n")
    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(path).write_text("".join(out), encoding="utf-8")


def summary_md(servers, meta, grouped) -> str:
    lines = ["| server | PASS | WARN | FAIL | of which MUST | ERROR |", "|---|---:|---:|---:|---:|---:|"]
    for s in servers:
        c = counts(s)
        lines.append(f"| {s['label']} | {c['PASS']} | {c['WARN']} | {c['FAIL']} | {c['MUST_FAIL']} | {c['ERROR']} |")
    return "\n".join(lines) + "\n"


def write_md(path, servers, meta, grouped):
    out = ["# h1check conformance matrix\n",
           f"{len(meta)} cases against {len(servers)} servers on loopback, generated by "
           "`scripts/matrix.sh`. The full table, case by case, is [matrix.html](matrix.html).\n",
           "## Summary\n", summary_md(servers, meta, grouped), "\n## By category (WARN / FAIL)\n"]
    head = "| category | cases | " + " | ".join(s["label"] for s in servers) + " |"
    out.append(head)
    out.append("|---|---:|" + "---:|" * len(servers))
    for cat, cases in grouped:
        ids = {c["id"] for c in cases}
        cells = []
        for s in servers:
            c = counts(s, ids)
            cells.append(f"{c['WARN']} / {c['FAIL']}")
        out.append(f"| {cat} | {len(cases)} | " + " | ".join(cells) + " |")
    out.append("\n## FAIL and WARN by server\n")
    for s in servers:
        bad = [c for c in s["cases"].values() if c["outcome"] in ("FAIL", "ERROR", "WARN")]
        if not bad:
            out.append(f"### {s['label']}\n\nEvery case passes.\n")
            continue
        out.append(f"### {s['label']}\n")
        for outcome in ("FAIL", "ERROR", "WARN"):
            rows = sorted((c for c in bad if c["outcome"] == outcome), key=lambda c: (c["section"], c["id"]))
            if not rows:
                continue
            out.append(f"**{outcome}** ({len(rows)})\n")
            for c in rows:
                what = c.get("profile") or c.get("reason", "").split("\n")[0]
                what = re.sub(r"\s+", " ", what)
                out.append(f"- [`{c['id']}`]({account_href(s, c)}) ({section_text(c['section'])}, {c['level']}): {what}")
            out.append("")
    pathlib.Path(path).write_text("\n".join(out).rstrip("\n") + "\n", encoding="utf-8")


def update_readme(path, servers, meta, grouped):
    p = pathlib.Path(path)
    text = p.read_text(encoding="utf-8")
    start, end = "<!-- matrix:start -->", "<!-- matrix:end -->"
    block = (f"{start}\n{len(meta)} cases; full table in [docs/matrix.html](docs/matrix.html), "
             f"summary and every FAIL/WARN in [docs/matrix.md](docs/matrix.md).\n\n"
             + summary_md(servers, meta, grouped) + end)
    if start in text and end in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    p.write_text(text, encoding="utf-8")


def check_links(page: pathlib.Path) -> list[str]:
    """Every link of the matrix page to a file of the repository or to an
    account resolves: the file exists and holds the anchor. The problems."""
    text = page.read_text(encoding="utf-8")
    ids_of = {}
    problems = []
    for href in sorted(set(re.findall(r'href="([^"#]+)(?:#([^"]*))?"', text))):
        target, anchor = html.unescape(href[0]), html.unescape(href[1])
        path = (page.parent / target).resolve()
        if not path.is_file():
            problems.append(f"{target}: no such file")
            continue
        if anchor:
            if path not in ids_of:
                ids_of[path] = set(map(html.unescape, re.findall(r' id="([^"]+)"', path.read_text(encoding="utf-8"))))
            if anchor not in ids_of[path]:
                problems.append(f"{target}#{anchor}: no such anchor")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--html", required=True)
    ap.add_argument("--md", required=True)
    ap.add_argument("--readme")
    ap.add_argument("reports", nargs="+", metavar="NAME=LABEL=REPORT.json")
    args = ap.parse_args()
    servers = [load(r) for r in args.reports]
    meta, grouped = all_cases(servers)
    write_html(args.html, servers, meta, grouped)
    for s in servers:
        write_accounts(pathlib.Path(args.html).parent / "matrix", s, grouped)
    write_md(args.md, servers, meta, grouped)
    if args.readme:
        update_readme(args.readme, servers, meta, grouped)
    problems = check_links(pathlib.Path(args.html))
    for p in problems[:20]:
        print(f"matrix-table.py: broken link in {args.html}: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
