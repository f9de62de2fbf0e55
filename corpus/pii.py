"""Personal data and link patterns, shared by the crawler (per review) and the corpus stage
(per polars frame). The patterns use the syntax common to Python `re` and Rust `regex`
(what polars runs): no look-arounds, no back-references.
"""

from __future__ import annotations

import re

PII_PATTERNS: dict[str, str] = {
    "url": r"(?i:https?|ftp)://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
    r"|\b(?i:www)\.[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+",
    "email": r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+",
    # Resident registration number: YYMMDD-Gnnnnnn (G: 1-8).
    "resident_id": r"\b[0-9]{6}\s?-\s?[1-8][0-9]{6}\b",
    "phone": r"(?:\+82[\-. ]?|\b0)(?:1[016789]|[2-6][0-9]?|70|80)[\-. )]?[0-9]{3,4}[\-. ][0-9]{4}\b"
    r"|\b01[016789][0-9]{7,8}\b",
    # Bank accounts / card numbers: 3+ digit groups joined by hyphens, last group of 4+ digits
    # (dates such as 2008-11-04 do not match).
    "account": r"\b[0-9]{4}[\- ][0-9]{4}[\- ][0-9]{4}[\- ][0-9]{4}\b"
    r"|\b[0-9]{3,6}-[0-9]{2,6}-[0-9]{4,7}(?:-[0-9]{1,3})?\b",
}
PII_PATTERN = "|".join(f"(?:{p})" for p in PII_PATTERNS.values())
_PII = re.compile(PII_PATTERN)
_SPACES = re.compile(r"[ \t]{2,}")


# Every pattern needs a digit, '@', '://' or 'www.': texts without any skip the full scan.
_MAYBE_PII = re.compile(r"[0-9@]|://|(?i:www)\.")


def scrub_pii(text: str) -> str:
    """Remove URLs, e-mails, phone, resident-registration and account numbers from one text."""
    if _MAYBE_PII.search(text) is None:
        return _SPACES.sub(" ", text).strip()
    return _SPACES.sub(" ", _PII.sub(" ", text)).strip()
