"""Which metrics a PromQL expression reads — enough of PromQL's lexical structure for dashboards and rules:
strings, label matchers, range and subquery brackets, grouping clauses, function calls and keywords are set
aside, and the remaining identifiers are metric names."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool",
    "inf", "nan", "atan2",
}  # fmt: skip
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _BRACKETS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        token = match.group(0)
        if text[match.end() :].lstrip().startswith("(") or token.lower() in KEYWORDS:
            continue  # a function or aggregation, or an operator keyword
        names.add(token)
    return names


def exposed_names(exposition: str) -> set[str]:
    """The sample names an exposition (Prometheus text format) can produce, from its HELP/TYPE families —
    so a labelled series that has not been observed yet still counts as exported."""
    names: set[str] = set()
    for family in text_string_to_metric_families(exposition):
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type == "histogram":
            names.update(f"{family.name}{suffix}" for suffix in ("_bucket", "_sum", "_count"))
        elif family.type == "summary":
            names.update((family.name, f"{family.name}_sum", f"{family.name}_count"))
        else:
            names.add(family.name)
    return names
