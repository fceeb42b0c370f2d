"""The frame every HTML page shares: one file with its style inline, no script, no fetch.
States are words with a symbol beside the colour, so the page reads in greyscale too."""

from __future__ import annotations

from html import escape

from .svg import state_style

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
header.top { background: #fff; border-bottom: 1px solid #d0d7de; padding: 14px 24px; }
header.top h1 { font-size: 20px; margin: 0 0 4px; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 12px 16px;
  margin: 16px 0; overflow-x: auto; }
h2 { font-size: 16px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 14px 0 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eaeef2;
  vertical-align: top; }
th { font-weight: 600; background: #f6f8fa; }
td.num, th.num { text-align: right; white-space: nowrap; }
.badge { display: inline-block; padding: 0 7px; border-radius: 10px; border: 1px solid;
  font-weight: 600; font-size: 12px; white-space: nowrap; }
.hint { color: #57606a; }
.muted { color: #57606a; }
pre { background: #0d1117; color: #e6edf3; padding: 8px; border-radius: 4px; overflow-x: auto;
  font-size: 12px; max-height: 420px; }
details > summary { cursor: pointer; }
.timebar { display: inline-block; height: 8px; background: #0969da; border-radius: 2px;
  vertical-align: middle; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; }
.kv dt { font-weight: 600; }
.kv dd { margin: 0; }
.summary { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 6px; }
.summary span { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px;
  padding: 2px 10px; }
"""


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def badge(state: str) -> str:
    """A state as a word with its symbol, coloured (the word alone says it all)."""
    fill, stroke, mark = state_style(state)
    return (
        f"<span class='badge state-{esc(state.replace(' ', '-'))}' style='background:{fill};"
        f"color:{stroke};border-color:{stroke}'>{mark} {esc(state.upper())}</span>"
    )


def page(title: str, heading: str, subtitle: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<header class='top'><h1>{esc(heading)}</h1><div>{subtitle}</div></header>"
        "<main>" + "\n".join(body) + "</main></body></html>\n"
    )


def section(cls: str, title: str, inner: list[str]) -> str:
    return f"<section class='{esc(cls)}'><h2>{esc(title)}</h2>" + "".join(inner) + "</section>"
