"""The little Handlebars and moment.js metadata-action needs: {{name}}, {{fn 'arg' tz=X}}."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

Value = str | Callable[[list[str], dict[str, str]], str]

MUSTACHE = re.compile(r"(\{\{\{?)\s*([A-Za-z_][\w.]*)((?:\s+[^\s}]+)*)\s*(\}?\}\})")
ARG = re.compile(r"""(?:(\w+)=)?('[^']*'|"[^"]*"|[^\s'"]+)""")
ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "`": "&#x60;",
    "=": "&#x3D;",
}
MOMENT = re.compile(
    r"\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|HH|H|hh|h|mm|m|ss|s|SSS|A|a|ZZ|Z|X|x"
)


def render(template: str, context: Mapping[str, Value]) -> str:
    """Handlebars-style rendering; unknown names are empty, {{ }} output is HTML-escaped."""

    def substitute(match: re.Match[str]) -> str:
        name, raw_args = match.group(2), match.group(3)
        args: list[str] = []
        hash_args: dict[str, str] = {}
        for key, value in ARG.findall(raw_args or ""):
            value = value[1:-1] if value[:1] in "'\"" else value
            if key:
                hash_args[key] = value
            else:
                args.append(value)
        value = context.get(name, "")
        text = value(args, hash_args) if callable(value) else str(value)
        if match.group(1) == "{{{":
            return text
        return "".join(ESCAPES.get(c, c) for c in text)

    return MUSTACHE.sub(substitute, template)


def moment_format(moment: datetime, fmt: str, tz: str = "UTC") -> str:
    """moment.js format() for the common tokens (YYYY MM DD HH mm ss SSS Z X ...)."""
    when = moment.astimezone(ZoneInfo(tz))

    def token(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        t = match.group(0)
        offset = when.strftime("%z")
        table = {
            "YYYY": f"{when.year:04d}",
            "YY": f"{when.year % 100:02d}",
            "MMMM": when.strftime("%B"),
            "MMM": when.strftime("%b"),
            "MM": f"{when.month:02d}",
            "M": str(when.month),
            "DD": f"{when.day:02d}",
            "D": str(when.day),
            "dddd": when.strftime("%A"),
            "ddd": when.strftime("%a"),
            "HH": f"{when.hour:02d}",
            "H": str(when.hour),
            "hh": f"{(when.hour % 12) or 12:02d}",
            "h": str((when.hour % 12) or 12),
            "mm": f"{when.minute:02d}",
            "m": str(when.minute),
            "ss": f"{when.second:02d}",
            "s": str(when.second),
            "SSS": f"{when.microsecond // 1000:03d}",
            "A": "AM" if when.hour < 12 else "PM",
            "a": "am" if when.hour < 12 else "pm",
            "ZZ": offset,
            "Z": f"{offset[:3]}:{offset[3:]}",
            "X": str(int(when.timestamp())),
            "x": str(int(when.timestamp() * 1000)),
        }
        return table[t]

    return MOMENT.sub(token, fmt)


def date_helper(moment: datetime) -> Callable[[list[str], dict[str, str]], str]:
    def helper(args: list[str], hash_args: dict[str, str]) -> str:
        for key in hash_args:
            if key != "tz":
                raise ValueError(f"Unknown {key} attribute")
        return moment_format(moment, args[0] if args else "", hash_args.get("tz", "UTC"))

    return helper
