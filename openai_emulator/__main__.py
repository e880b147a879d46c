"""`python -m openai_emulator`: serve the emulator in the foreground (what `reconciler emulator
serve` and `start` run). The options are `reconciler emulator serve`'s."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from openai_emulator import EmulatorError
from openai_emulator.server import serve


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m openai_emulator",
                                description="Serve a local emulator of the OpenAI API.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free one")
    p.add_argument("--db", type=Path, default=Path("emulator.sqlite"),
                   help="SQLite file holding the state")
    p.add_argument("--models", type=Path, help="JSON list of model objects to serve")
    p.add_argument("--faults", type=Path, help="JSON fault plan to start with")
    p.add_argument("--index-delay", type=float, default=0.5)
    p.add_argument("--api-key", help="accept only this bearer key")
    p.add_argument("--max-upload-bytes", type=int, default=512 * 1024 * 1024)
    p.add_argument("--retire", action="append", default=[], choices=["assistants", "agents"])
    p.add_argument("--today", type=_day, help="the day model shutdowns are judged by")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        serve(host=args.host, port=args.port, db=args.db, models=args.models,
              faults=args.faults, index_delay=args.index_delay, api_key=args.api_key,
              max_upload_bytes=args.max_upload_bytes, retired=frozenset(args.retire),
              today=args.today)
    except EmulatorError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
