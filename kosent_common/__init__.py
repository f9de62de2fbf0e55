"""Shared mechanics every stage may import: atomic file output, strict configuration parsing,
one-line CLI errors, progress output and config presets. The name is kosent's own so that an
installed kosent never shadows another distribution's top-level `common` package."""
