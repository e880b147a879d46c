"""`make cel-tables` (`python -m reconciler.kinds.policy.maketables`): rebuild the CEL
parser's tables shipped in the package, after a Lark or celpy upgrade. A script apart from
the library: `tables` loads what this writes, `expressions` defines the parser."""

from __future__ import annotations

import sys

from reconciler.kinds.policy import expressions, tables

if __name__ == "__main__":
    print(f"wrote {tables.write(*expressions.parser_definition())}", file=sys.stderr)
