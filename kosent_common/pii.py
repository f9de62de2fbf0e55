"""Personal data and link patterns, shared by the crawler (per review) and the corpus stage
(per polars frame). The patterns use the syntax common to Python `re` and Rust `regex`
(what polars runs): no look-arounds, no back-references.

Korean glues particles to numbers (`010-1234-5678로`, `계좌110-234-567890입금`), and both
engines count Hangul as word characters, so `\\b` cannot delimit a number. The boundary is on
digits instead, without look-arounds:
- left: the last alternative, `(?P<keep>[0-9]+)`, consumes every digit run that is not personal
  data and is put back unchanged, so a match can only start at the first digit of a run;
- right: a number must be followed by a non-digit or the end, consumed as `post` and put back.
Replacing with `PII_REPLACEMENT` (Python) or `PII_REPLACEMENT_POLARS` (polars) removes the
personal data and returns everything else as it was.
"""

from __future__ import annotations

import re

_URL_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
_SEP = r"(?:\s?[\-.]\s?|\s)?"  # between phone number groups: -, ., space, or nothing

# Each kind on its own (no boundaries): for residue checks such as the crawler's tests.
PII_PATTERNS: dict[str, str] = {
    "url": rf"(?i:https?|ftp)://{_URL_CHARS}|(?i:www)\.{_URL_CHARS}",
    "email": r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+",
    # Resident registration number: YYMMDD-Gnnnnnn (G: 1-8), with or without the hyphen.
    "resident_id": r"[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?:\s?-\s?)?[1-8][0-9]{6}",
    # Card numbers: 4x4 digits (Amex 4-6-5) separated by hyphens, spaces or dots.
    "card": r"[0-9]{4}(?:[\- .][0-9]{4}){3}|[0-9]{4}[\- ][0-9]{6}[\- ][0-9]{5}",
    # Mobile (010, 011, 016-019) and area codes (02, 031-033, 041-044, 051-055, 061-064, 070,
    # 080), after 0, `(0..)` or +82; groups joined by -, ., spaces or nothing. Business
    # numbers such as 1588-1234 are public and kept.
    "phone": rf"(?:\+82{_SEP}(?:\(0\))?|\(?0)(?:1[016789]|2|3[1-3]|4[1-4]|5[0-5]|6[1-4]|70|80)\)?"
    rf"{_SEP}[0-9]{{3,4}}{_SEP}[0-9]{{4}}",
    # Bank accounts: 3 (or 4) digit groups joined by hyphens, the third of 4+ digits (dates such
    # as 2008-11-04 do not match), or 12-16 digits in one run.
    "account": r"[0-9]{3,6}-[0-9]{2,6}-[0-9]{4,7}(?:-[0-9]{1,3})?|[0-9]{12,16}",
}
_NUMBERS = ("resident_id", "card", "phone", "account")


def _either(names) -> str:
    return "|".join(f"(?:{PII_PATTERNS[n]})" for n in names)


PII_PATTERN = (
    _either(n for n in PII_PATTERNS if n not in _NUMBERS)
    + rf"|(?:{_either(_NUMBERS)})(?P<post>[^0-9]|$)"
    + r"|(?P<keep>[0-9]+)"
)
PII_REPLACEMENT = r"\g<keep>\g<post>"  # Python `re`
PII_REPLACEMENT_POLARS = "${keep}${post}"  # polars (Rust `regex`)

_PII = re.compile(PII_PATTERN)
_SPACES = re.compile(r"[ \t]{2,}")


# Every pattern needs a digit, '@', '://' or 'www.': texts without any skip the full scan.
_MAYBE_PII = re.compile(r"[0-9@]|://|(?i:www)\.")


def scrub_pii(text: str) -> str:
    """Remove URLs, e-mails, phone, resident-registration, card and account numbers."""
    if _MAYBE_PII.search(text) is None:
        return _SPACES.sub(" ", text).strip()
    return _SPACES.sub(" ", _PII.sub(PII_REPLACEMENT, text)).strip()
