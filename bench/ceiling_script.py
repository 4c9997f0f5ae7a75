"""Reading the ceiling A pgbench script back, in the normalised form the drift check compares.

A script is pgbench meta-commands (lines starting with a backslash), full-line `--` comments and SQL
commands, each ending in `;` at the end of a line — or in `\\gset`, which marks the bench's own generator
statement. Normalised: whitespace folded; a PREPARE keeps its name, parameter types and statement text; an
EXECUTE keeps its statement name and which arguments are pgbench variables (`:name`), while recorded
constants become `?` (they are data, and differ from one recording to the next).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"
CEILING_A = SQL_DIR / "transfer_ceiling_a.sql"
CEILING_B = SQL_DIR / "transfer_ceiling_b.sql"
CEILING_B_SCHEMA = SQL_DIR / "ceiling_b_schema.sql"

_PREPARE = re.compile(r"PREPARE\s+(\w+)\s*\(([^)]*)\)\s+AS\s+(.*)", re.DOTALL)
_EXECUTE = re.compile(r"EXECUTE\s+(\w+)\s*\((.*)\)", re.DOTALL)
_ARGUMENT = re.compile(r"'(?:[^']|'')*'|NULL|:\w+")


def fold(text: str) -> str:
    """Whitespace folded to single spaces, none inside parentheses' edges, no trailing semicolon."""
    text = " ".join(text.split())
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\s+([),])", r"\1", text)
    return text.rstrip(";").strip()


@dataclass
class Script:
    prepared: dict[str, str] = field(default_factory=dict)  # name -> "(types) AS statement", folded
    transfer: list[str] = field(default_factory=list)  # BEGIN, EXECUTE name(args), ..., COMMIT (normalised)
    generator: str = ""  # the `\gset` statement (the bench's, not the transfer's)
    commands: list[str] = field(default_factory=list)  # every SQL command, folded, in order


def _arguments(text: str) -> str:
    found = _ARGUMENT.findall(text)
    return ", ".join(arg if arg.startswith(":") else "?" for arg in found)


def _normalise(command: str, script: Script) -> None:
    prepare = _PREPARE.fullmatch(command)
    if prepare:
        name, types, body = prepare.groups()
        script.prepared[name] = f"({fold(types)}) AS {fold(body)}"
        return
    execute = _EXECUTE.fullmatch(command)
    if execute:
        script.transfer.append(f"EXECUTE {execute[1]}({_arguments(execute[2])})")
        return
    script.transfer.append(fold(command))


def parse_script(text: str) -> Script:
    script = Script()
    pending: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not pending and (not line.strip() or line.lstrip().startswith(("--", "\\"))):
            continue
        if line.lstrip().startswith("--"):
            continue
        pending.append(line)
        if line.endswith("\\gset"):
            script.generator = fold(" ".join(pending).removesuffix("\\gset"))
            script.commands.append(script.generator)
            pending = []
        elif line.endswith(";"):
            command = "\n".join(pending).strip().rstrip(";")
            script.commands.append(fold(command))
            _normalise(command, script)
            pending = []
    if pending:
        raise ValueError(f"unterminated SQL command: {' '.join(pending)[:200]}")
    return script


def statement_count(path: Path) -> int:
    """SQL commands per transaction of a script (PREPAREs, run once per client, not counted)."""
    script = parse_script(path.read_text())
    return len(script.transfer) + (1 if script.generator else 0)
