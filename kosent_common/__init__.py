"""Shared mechanics every stage may import, each in one module: file access on disk or behind
a URL (storage), atomic output with its temporary names and their cleanup (atomic), resume by
fingerprint (resume), the typed-manifest base (manifest), the process-pool/Ray executor
(executor), PII patterns (pii), the Hugging Face ELECTRA config (electra), strict configuration
reading (strict), presets, one-line CLI errors (cli) and progress output. The name is kosent's
own so that an installed kosent never shadows another distribution's top-level `common`."""
