"""Every command README.md shows must run as written, so the README cannot drift from the code.

Commands are taken from ```sh blocks (complete commands) and from inline code that starts with a
project command (references, often with `...` for the flags shown elsewhere):
- `python -m MODULE ARGS`: complete commands go through the module's own argparse parser (the
  one its `main(argv)` builds: captured, not rebuilt here), so unknown flags, missing required
  flags, bad choices and bad numbers fail; references must use only flags the parser knows.
  A module whose parser cannot be captured is checked against its `--help` output instead.
- `scrapy crawl SPIDER -a NAME=VALUE -s NAME=VALUE`: the spider exists in the project, `-s`
  names are settings (the project's or Scrapy's), `-a` arguments pass the spider's argument
  check (crawler.arguments) where the command is complete.
- console scripts of pyproject.toml (`kosent-crawl ...`): every flag appears in `--help`.
- `make TARGET`: the Makefile has the target. `pip install -r FILE`: FILE exists.
Other tools (ray, gcloud, docker, ...) are not ours to check.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCED = re.compile(r"^[ \t]*```(\w*)\n(.*?)^[ \t]*```", flags=re.M | re.S)
OURS = re.compile(r"^(?:[A-Z_]+=\S+\s+)*(?:python -m |scrapy crawl |make |kosent-\w+)")


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    complete: bool  # from an sh block without `...`: must parse as a whole
    line: int

    def __str__(self) -> str:
        return f"README.md:{self.line}: {' '.join(self.words)}"


def _split(text: str, line: int, complete: bool) -> list[Command]:
    """Shell words of each command in `text` (continuations joined, `&&`/`;`/`|` split)."""
    text = text.replace("\\\n", " ")
    commands = []
    for physical in text.splitlines():
        lexer = shlex.shlex(physical, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            words = list(lexer)
        except ValueError:  # unbalanced quotes: not a shell line
            continue
        current: list[str] = []
        for word in [*words, ";"]:
            if word and set(word) <= set(";&|"):
                if current:
                    whole = complete and "..." not in current
                    commands.append(Command(tuple(current), whole, line))
                current = []
            else:
                current.append(word)
        line += 1
    return commands


def readme_commands() -> list[Command]:
    text = README.read_text(encoding="utf-8")
    commands: list[Command] = []
    for block in FENCED.finditer(text):
        if block.group(1) in ("sh", "bash", "shell"):
            line = text.count("\n", 0, block.start(2)) + 1
            commands += _split(block.group(2), line, complete=True)
    prose = FENCED.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for span in re.finditer(r"`([^`]+)`", prose):
        if OURS.match(span.group(1).strip()):
            line = prose.count("\n", 0, span.start()) + 1
            commands += _split(span.group(1).replace("\n", " "), line, complete=False)
    return [c for c in commands if OURS.match(" ".join(c.words))]


def _strip_env(words: tuple[str, ...]) -> tuple[str, ...]:
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
        words = words[1:]
    return words


# ---- python -m MODULE: the module's own parser ---------------------------------------------


class _Captured(Exception):
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser


_PARSERS: dict[str, argparse.ArgumentParser | None] = {}


def captured_parser(module: str) -> argparse.ArgumentParser | None:
    """The parser `module.main(argv)` builds, stopped before it parses anything."""
    if module not in _PARSERS:
        _PARSERS[module] = None
        mod = importlib.import_module(module)
        main = getattr(mod, "main", None)
        if callable(main):
            original = argparse.ArgumentParser.parse_known_args

            def capture(self, *args, **kwargs):
                raise _Captured(self)

            argparse.ArgumentParser.parse_known_args = capture
            try:
                main(["--help"])
            except _Captured as found:
                _PARSERS[module] = found.parser
            except (SystemExit, TypeError, Exception):  # noqa: BLE001 - no parser to capture
                pass
            finally:
                argparse.ArgumentParser.parse_known_args = original
    return _PARSERS[module]


def parse_errors(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            parser.parse_args(argv)
        except SystemExit as exit:
            if exit.code not in (0, None):
                return err.getvalue().strip() or f"exit {exit.code}"
    return None


def unknown_flags(known: set[str], argv: list[str]) -> list[str]:
    flags = [a.split("=", 1)[0] for a in argv if re.fullmatch(r"--?[A-Za-z][\w-]*(=.*)?", a)]
    return [f for f in flags if f not in known]


_HELP: dict[tuple[str, ...], str] = {}


def help_text(head: tuple[str, ...]) -> str:
    if head not in _HELP:
        done = subprocess.run(
            [*head, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        _HELP[head] = done.stdout + done.stderr
    return _HELP[head]


def flags_in_help(help: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", help))


def check_python_module(command: Command) -> list[str]:
    module, argv = command.words[2], [w for w in command.words[3:] if w != "..."]
    if importlib.util.find_spec(module) is None:
        return [f"no module {module}"]
    parser = captured_parser(module)
    if parser is None:
        known = flags_in_help(help_text((sys.executable, "-m", module)))
        return [f"{module} --help has no {f}" for f in unknown_flags(known, argv)]
    problems = [
        f"{module} has no flag {f}" for f in unknown_flags(set(parser._option_string_actions), argv)
    ]
    if command.complete and not problems:
        error = parse_errors(parser, argv)
        if error:
            problems.append(error)
    return problems


# ---- scrapy crawl, console scripts, make, pip -----------------------------------------------


def check_scrapy_crawl(command: Command) -> list[str]:
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    words = list(command.words[2:])
    spider, options = words[0], words[1:]
    settings = get_project_settings()
    problems = []
    if spider not in SpiderLoader.from_settings(settings).list():
        problems.append(f"no spider {spider!r}")
    arguments = {}
    for flag, value in zip(options, options[1:], strict=False):
        if flag == "-s" and value.split("=", 1)[0] not in settings:
            problems.append(f"-s {value.split('=', 1)[0]} is not a setting")
        if flag == "-a":
            name, _, text = value.partition("=")
            arguments[name] = text
    if command.complete and arguments:
        arguments_module = importlib.util.find_spec("crawler.arguments")
        if arguments_module is not None:
            from crawler.arguments import check_arguments

            try:
                check_arguments(arguments)
            except ValueError as err:
                problems.append(str(err))
    return problems


def console_scripts() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project.get("scripts", {})


def check_console_script(command: Command) -> list[str]:
    name, argv = command.words[0], [w for w in command.words[1:] if w != "..."]
    if name not in console_scripts():
        return [f"{name} is not a console script of pyproject.toml"]
    module = console_scripts()[name].split(":")[0]
    known = flags_in_help(help_text((sys.executable, "-c", _script_call(name), "placeholder")))
    del module
    return [f"{name} --help has no {f}" for f in unknown_flags(known, argv)]


def _script_call(name: str) -> str:
    module, function = console_scripts()[name].split(":")
    return f"import sys; sys.argv = [{name!r}, '--help']; from {module} import {function}; {function}()"


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, flags=re.M))


def check_make(command: Command) -> list[str]:
    targets = [w for w in command.words[1:] if "=" not in w and not w.startswith("-")]
    return [f"the Makefile has no target {t}" for t in targets if t not in makefile_targets()]


def check(command: Command) -> list[str]:
    words = _strip_env(command.words)
    command = Command(words, command.complete, command.line)
    if words[:2] == ("python", "-m"):
        return check_python_module(command)
    if words[:2] == ("scrapy", "crawl"):
        return check_scrapy_crawl(command)
    if words[0] == "make":
        return check_make(command)
    if words[0] in console_scripts() or words[0].startswith("kosent-"):
        return check_console_script(command)
    return []


COMMANDS = readme_commands()


def test_the_readme_shows_commands_of_every_kind():
    heads = {" ".join(_strip_env(c.words)[:2]) for c in COMMANDS}
    assert {"python -m", "scrapy crawl", "make demo", "make test"} <= {
        h if not h.startswith("python -m") else "python -m" for h in heads
    }, heads
    assert any(c.complete for c in COMMANDS)


@pytest.mark.parametrize(
    "module",
    sorted(
        {_strip_env(c.words)[2] for c in COMMANDS if _strip_env(c.words)[:2] == ("python", "-m")}
    ),
)
def test_readme_commands_parse(module):
    """One test per module: each of its README commands parses with its parser."""
    mine = [c for c in COMMANDS if _strip_env(c.words)[:3] == ("python", "-m", module)]
    failures = [f"{c}\n    -> {p}" for c in mine for p in check(c)]
    assert not failures, f"{len(failures)} of {len(mine)} commands fail:\n" + "\n".join(failures)


def test_readme_crawl_make_and_script_commands_run():
    others = [c for c in COMMANDS if _strip_env(c.words)[:2] != ("python", "-m")]
    failures = [f"{c}\n    -> {p}" for c in others for p in check(c)]
    assert not failures, f"{len(failures)} of {len(others)} commands fail:\n" + "\n".join(failures)


def test_pip_requirement_files_exist():
    text = README.read_text(encoding="utf-8")
    for name in re.findall(r"pip install[^`\n]*?-r\s+([^\s`]+)", text):
        assert (ROOT / name).is_file(), name


def test_tpu_install_steps_are_the_ones_requirements_tpu_needs():
    """requirements-tpu.txt says how it must be installed; the README must say the same."""
    header = (ROOT / "requirements-tpu.txt").read_text(encoding="utf-8")
    needed = [" ".join(m.split()) for m in re.findall(r"^#\s+(pip install .*)$", header, re.M)]
    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert needed and [n for n in needed if n not in readme] == []


def test_the_checker_catches_drift():
    """The checks fail on commands that do not run (so passing above means something)."""
    bad = [
        Command(("python", "-m", "corpus.build", "--recipe", "model3", "--wokers", "8"), True, 0),
        Command(("python", "-m", "corpus.build", "--workers", "8"), True, 0),
        Command(("python", "-m", "vocab.build", "--vocab-sise", "8", "..."), False, 0),
        Command(("make", "demos"), True, 0),
        Command(("scrapy", "crawl", "reviewz"), True, 0),
        Command(("scrapy", "crawl", "reviews", "-s", "JOB_DIR=x"), True, 0),
    ]
    assert all(check(c) for c in bad), [c for c in bad if not check(c)]
