"""What the command groups share: a session factory on the configured database, the one place that turns
any failure into one line on stderr and a non-zero exit code (`run`), and how a long command reports
(`Report`: rich progress bars on a terminal, plain lines otherwise, `--quiet` and `--json` for scripts)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.exceptions import TyperException

from app.config import get_settings
from app.errors import AppError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

QUIET = typer.Option(False, "--quiet", "-q", help="No progress and no summary; errors still on stderr.")
JSON = typer.Option(False, "--json", help="No progress; the summary as one JSON object on stdout.")
Progress = Callable[[int, int | None], None]  # (done, total or None), as the services report it
TRACEBACK_ENV = "AURIGRAPH_TRACEBACK"  # set to 1 to see the traceback of an unexpected error


def registry_session() -> sessionmaker[Session]:
    """A session factory on the configured database (migrated first, unless AURIGRAPH_ENV=production)."""
    from app.db import make_engine, make_sessionmaker
    from app.migrate import upgrade

    settings = get_settings()
    if not settings.production:
        upgrade(settings.sqlalchemy_url)
    return make_sessionmaker(make_engine(settings.sqlalchemy_url))


def fail(exc: Exception | str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(code)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def run(app: typer.Typer, args: list[str] | None = None) -> NoReturn:
    """Run the CLI; every failure ends as one line on stderr and a non-zero exit code, never a traceback:
    2 for a bad command line (as click), 1 for a refusal or a failure, 130 when interrupted."""
    try:
        result = app(args=args, prog_name="aurigraph", standalone_mode=False)
    except TyperException as exc:  # a bad command line: an unknown option, a missing argument (exit code 2)
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "aurigraph"
        _exit(f"{where}: {exc.format_message()} (see {where} --help)", exc.exit_code)
    except typer.Abort:
        _exit("aborted", 130)
    except AppError as exc:
        _exit(str(exc), 1)
    except OSError as exc:  # a file we cannot read or write, a port in use, ...
        what = f"{exc.strerror}: {exc.filename}" if exc.strerror and exc.filename else str(exc)
        _exit(what, 1)
    except Exception as exc:
        if os.environ.get(TRACEBACK_ENV) == "1":
            raise
        _exit(f"{type(exc).__name__}: {exc} (set {TRACEBACK_ENV}=1 for the traceback)", 1)
    sys.exit(result if isinstance(result, int) else 0)


def _exit(message: str, code: int) -> NoReturn:
    print(f"error: {_one_line(message)}", file=sys.stderr)
    sys.exit(code)


class Report:
    """How a long command shows its work. On a terminal: a rich progress bar per task (on stderr). Not on a
    terminal: a plain line per tenth of the work (or per `every` seconds when the total is unknown). With
    `quiet`: nothing. With `as_json`: no progress, and `summary` prints one JSON object on stdout."""

    def __init__(self, name: str, *, quiet: bool = False, as_json: bool = False) -> None:
        self.name, self.quiet, self.as_json = name, quiet, as_json
        self.fancy = not (quiet or as_json) and sys.stderr.isatty()

    @contextmanager
    def task(self, what: str) -> Iterator[Progress]:
        """`with report.task("entries") as progress: progress(done, total)` (total None: not known)."""
        if self.quiet or self.as_json:
            yield lambda _done, _total: None
        elif self.fancy:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bars

            label = TextColumn(f"{self.name}: {what}")
            columns = (label, BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Bars(*columns, console=Console(stderr=True), transient=False) as bar:
                tid = bar.add_task(what, total=None)
                yield lambda done, total: bar.update(tid, completed=done, total=total)
        else:
            plain = _PlainLines(f"{self.name}: {what}")
            yield plain.update
            plain.done()  # not reached when the work raised: no "done" line for a failure

    def summary(self, text: str, data: dict[str, Any]) -> None:
        """The last word of a command: `text` for people, `data` with --json; nothing with --quiet."""
        if self.as_json:
            typer.echo(json.dumps(data, default=str))
        elif not self.quiet:
            typer.echo(text)


class _PlainLines:
    def __init__(self, label: str, every: float = 2.0) -> None:
        self.label, self.every = label, every
        self.total: int | None = None
        self.done_count, self.shown, self.last = 0, -1, time.monotonic()

    def update(self, done: int, total: int | None) -> None:
        self.done_count, self.total = done, total
        if self.total:
            tenth = done * 10 // self.total
            if tenth > self.shown and done < self.total:
                self.shown = tenth
                self._line()
        elif time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            self._line()

    def _line(self) -> None:
        of = f"/{self.total} ({self.done_count * 100 // self.total}%)" if self.total else ""
        print(f"{self.label} {self.done_count}{of}", file=sys.stderr, flush=True)

    def done(self) -> None:
        of = f"/{self.total}" if self.total else ""
        print(f"{self.label} {self.done_count}{of} done", file=sys.stderr, flush=True)
