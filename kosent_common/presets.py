"""`--config NAME` or `--config PATH`: configs shipped inside the package, found by name from
any folder (an installed wheel has no repository around it)."""

from __future__ import annotations

from pathlib import Path


def resolve_config(
    value: str | Path,
    presets: dict[str, Path],
    old_paths: dict[str, str],
    error: type[Exception],
) -> Path:
    """The JSON file `value` names: an existing file first, then a preset name (`base`), then a
    path the repository used to document (`configs/base.json`, by `old_paths` to a preset
    name). Anything else is `error`, listing the presets."""
    path = Path(value)
    if path.is_file():
        return path
    text = str(value)
    name = text.removesuffix(".json")
    if name in presets:
        return presets[name]
    if path.as_posix() in old_paths:
        return presets[old_paths[path.as_posix()]]
    raise error(
        f"config file {text} does not exist and is not a preset name; "
        f"presets: {', '.join(sorted(presets))}"
    )


def presets_in(folder: Path) -> dict[str, Path]:
    """Every `NAME.json` in a package folder, by NAME."""
    return {path.stem: path for path in sorted(folder.glob("*.json"))}
