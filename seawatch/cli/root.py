"""The ``seawatch`` command group, shared options and error handling.

Every command takes ``--config FILE``, ``--data-dir DIR`` and ``--debug`` (through
:func:`pass_settings`). On a :class:`~seawatch.errors.SeawatchError` the command prints one line on
stderr, ``seawatch: error: <what is wrong>``, and exits non-zero; any other exception is reported
as an internal error, with the traceback only under ``--debug``.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import click

from seawatch import __version__
from seawatch.config import Settings, load_settings
from seawatch.errors import SeawatchError

log = logging.getLogger("seawatch")

risk_option = click.option(
    "--risk",
    "risk_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Risk NetCDF [default: <data>/risk.nc].",
)
"""The ``--risk FILE`` option of the commands that read a risk dataset."""


# A minus followed by a digit (or by '.' and a digit): a number, never a seawatch option.
_SIGNED_NUMBER = re.compile(r"-\.?\d")


class SeawatchCommand(click.Command):
    """A command whose arguments may start with a minus sign, as southern and western positions do.

    click takes every word starting with '-' for an option, so ``seawatch position "-5.3, 35.9"``
    was a usage error. No seawatch option starts with a digit, so a word that starts with a minus
    and a digit, and is not the value of an option, is passed on as an argument. Option values
    (``--position "-5.3, 35.9"``, ``--dead -1``) are read by click as before.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, signed_numbers_as_arguments(self.get_params(ctx), args))


def signed_numbers_as_arguments(
    params: Iterable[click.Parameter], args: Sequence[str]
) -> list[str]:
    """``args`` with options first, then ``--`` and the arguments, when an argument starts with '-'.

    The order of the arguments among themselves and of the options among themselves is kept;
    ``args`` come back unchanged when no argument is a signed number.
    """
    values: dict[str, int] = {}  # option name -> number of values it takes
    for param in params:
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                values[name] = 0 if param.is_flag or param.count else param.nargs
    options: list[str] = []
    arguments: list[str] = []
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            arguments.extend(tokens)
            break
        if _SIGNED_NUMBER.match(token) and token not in values:
            arguments.append(token)
        elif token.startswith("-") and len(token) > 1:
            options.append(token)  # "--out=F" carries its value; unknown options stay for click
            for _ in range(values.get(token, 0)):
                value = next(tokens, None)
                if value is not None:
                    options.append(value)
        else:
            arguments.append(token)
    if not any(_SIGNED_NUMBER.match(a) for a in arguments):
        return list(args)
    return [*options, "--", *arguments]


class LazyChoice(click.Choice):
    """A :class:`click.Choice` whose values are read from their module on first use.

    Lets a command offer, say, the incident store's boat types without ``seawatch --help``
    importing the store (SQLAlchemy) to list the commands.
    """

    def __init__(self, load: Callable[[], Sequence[str]], case_sensitive: bool = True) -> None:
        self._load = load
        self._loaded: tuple[str, ...] | None = None
        self.case_sensitive = case_sensitive

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        if self._loaded is None:
            self._loaded = tuple(self._load())
        return self._loaded

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        self._loaded = tuple(value)


class SeawatchGroup(click.Group):
    """A click group that turns errors into one line on stderr.

    Its commands are :class:`SeawatchCommand`: arguments may be negative numbers.
    """

    command_class = SeawatchCommand

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SeawatchError as exc:
            _fail(ctx, str(exc), exc.exit_code, exc)
        except KeyboardInterrupt as exc:
            # click said only "Aborted!": say what became of the work (writes are atomic and
            # store changes are transactions, so nothing is left half-done)
            _fail(
                ctx,
                "interrupted (Ctrl-C): what was finished is kept whole; the step under way "
                "was not saved (run the command again to do it)",
                130,
                exc,
            )
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:
            if exc.filename is None:  # a socket, HTTP or SMTP error: not about a file
                _fail(
                    ctx, f"{type(exc).__name__}: {exc} (run again with --debug for details)", 1, exc
                )
            # a file or directory the user can fix: say which and what to do
            _fail(ctx, _os_error_message(exc), 1, exc)
        except Exception as exc:  # the last line of defence: one line, no traceback
            _fail(
                ctx,
                f"internal error: {type(exc).__name__}: {exc} (run again with --debug for details)",
                3,
                exc,
            )


def _os_error_message(exc: OSError) -> str:
    """One line for a file-system error: the file, the reason and what to do."""
    import errno

    from seawatch.storage import cannot_write_message

    name = exc.filename or "a file"
    if exc.errno == errno.ENOENT:
        return f"{name} does not exist: {exc.strerror}; check the path (and --data-dir)"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT):
        return cannot_write_message(Path(name), exc).replace("cannot write", "cannot use", 1)
    return f"{name}: {exc.strerror or exc} (run again with --debug for details)"


def _debug_requested(ctx: click.Context) -> bool:
    c: click.Context | None = ctx
    while c is not None:
        if (c.params or {}).get("debug") or (c.obj or {}).get("debug"):
            return True
        c = c.parent
    return "--debug" in sys.argv


def _fail(ctx: click.Context, message: str, code: int, exc: BaseException) -> None:
    if _debug_requested(ctx):
        traceback.print_exception(exc)
    first_line = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
    click.echo(f"seawatch: error: {first_line}", err=True)
    ctx.exit(code)


def setup_logging(debug: bool = False, quiet: bool = False) -> None:
    """Log lines to stderr: ``2026-11-24 06:00:01Z INFO seawatch.fetchers.open_meteo: ...``."""
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    root = logging.getLogger("seawatch")
    root.setLevel(level)
    if not any(getattr(h, "_seawatch", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler._seawatch = True  # type: ignore[attr-defined]
        formatter = logging.Formatter(
            "%(asctime)sZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"
        )
        import time

        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
        root.addHandler(handler)
    for h in root.handlers:
        h.setLevel(level)


@click.group(
    cls=SeawatchGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="seawatch")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="TOML config file.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Data directory.")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors; no progress bars.")
@click.pass_context
def main(
    ctx: click.Context, config_file: str | None, data_dir: str | None, debug: bool, quiet: bool
) -> None:
    """seawatch: where and when the sea will capsize overloaded boats off Libya.

    \b
    Daily job:   seawatch run        (fetch -> build -> maps, once)
    Daemon:      seawatch schedule   (the same on a timetable, plus the morning e-mail)
    Try it:      seawatch demo       (whole pipeline offline, synthetic sea state)

    Settings come from --config FILE, $SEAWATCH_CONFIG or ./seawatch.toml, with SEAWATCH_*
    environment overrides; `seawatch config show` prints what is in effect.
    Times are UTC; positions are shown in degrees and decimal minutes; distances in nautical miles.
    """
    ctx.ensure_object(dict)
    ctx.obj.update(config_file=config_file, data_dir=data_dir, debug=debug, quiet=quiet)
    setup_logging(debug=debug, quiet=quiet)


def pass_settings(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--config``, ``--data-dir``, ``--debug`` to a command and pass ``settings`` first.

    Values given on the command itself win over those given before the command name.
    """

    @click.option(
        "--config", "config_file", type=click.Path(dir_okay=False), help="TOML config file."
    )
    @click.option("--data-dir", type=click.Path(file_okay=False), help="Data directory.")
    @click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
    @click.pass_context
    @functools.wraps(func)
    def wrapper(
        ctx: click.Context,
        *args: Any,
        config_file: str | None,
        data_dir: str | None,
        debug: bool,
        **kwargs: Any,
    ) -> Any:
        obj = ctx.find_root().obj or {}
        if debug:
            obj["debug"] = True
            setup_logging(debug=True)
        settings = load_settings(
            config_file=config_file or obj.get("config_file"),
            data_dir=data_dir or obj.get("data_dir"),
        )
        return ctx.invoke(func, settings, *args, **kwargs)

    return wrapper


def is_quiet(ctx: click.Context | None = None) -> bool:
    """True with ``--quiet`` or when stderr is not a terminal (no progress bars then)."""
    ctx = ctx or click.get_current_context(silent=True)
    quiet = bool(ctx and (ctx.find_root().obj or {}).get("quiet"))
    return quiet or not sys.stderr.isatty()


@main.group()
def fetch() -> None:
    """Fetch data from remote sources into the data directory."""


@main.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of TOML-like text.")
@pass_settings
def config_show(settings: Settings, as_json: bool) -> None:
    """Print the effective configuration (file + environment + defaults), secrets masked."""
    import json

    from seawatch.config import settings_as_dict

    data = settings_as_dict(settings)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"# config file: {settings.config_file or '(none; defaults)'}")
    click.echo(f"# data dir:    {settings.data_dir}")
    _print_toml(data)


def _print_toml(data: dict[str, Any], prefix: str = "") -> None:
    import json

    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    if prefix and scalars:
        click.echo(f"\n[{prefix}]")
    for key, value in scalars.items():
        if key in ("data_dir", "config_file"):
            continue
        click.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    for key, value in tables.items():
        _print_toml(value, f"{prefix}.{key}" if prefix else key)


class DayType(click.DateTime):
    """A calendar day written ``YYYY-MM-DD``; the help and the error say so in those words.

    ``click.DateTime`` showed ``[%Y-%m-%d]`` and "does not match the format '%Y-%m-%d'".
    """

    name = "day"

    def __init__(self) -> None:
        super().__init__(["%Y-%m-%d"])

    def get_metavar(self, param: click.Parameter, *args: Any, **kwargs: Any) -> str:
        return "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            self.fail(f"{value!r} is not a day written YYYY-MM-DD, e.g. 2023-01-31", param, ctx)


DAY = DayType()
"""Option type of the ``--start``/``--end`` days."""
