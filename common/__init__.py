"""Small helpers every stage uses: atomic file output and strict configuration parsing."""
