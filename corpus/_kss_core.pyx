# cython: language_level=3, boundscheck=False, cdivision=True, initializedcheck=False
"""kss 6.0.6's `split_sentences(text, backend="mecab")`, ported to Cython.

The port follows kss's modules one to one (names in comments): preprocessing
(`SentencePreprocessor`), the split rules (`SentenceSplitter`), the quote stack with its
`realign` recursion (`EmbracingProcessor`), the eight postprocessing passes
(`SentencePostprocessor`) and backup/restore (`SentenceProcessor`). kss's linked list of
`Syllable` objects becomes four C arrays (char, tag id, prev, next; -1 is kss's `Empty`), and
kss's substring tests on tags ("EF" in "VCP+EF") become one bit mask per distinct tag string.

Deliberate differences from kss, all about state kept between calls (kss's answer then
depends on what the process split before; this core answers as a fresh kss process would):
- URLs and e-mails found in a line are backed up for that line only (kss's class-level
  `_normal_backup` keeps every one ever seen, and every later call scans them all);
- no lru_caches keyed on syllables (kss's `_split_sentences` cache can hand a later line the
  syllable objects of an earlier one).
"""

from libc.stdint cimport uint64_t
from libc.stdlib cimport free, malloc

import re

from kss._modules.sentences.sentence_preprocessor import SentencePreprocessor
from kss._modules.sentences.sentence_processor import SentenceProcessor
from kss._modules.sentences.sentence_splitter import SentenceSplitter
from kss._utils import const as _const

# ---------------------------------------------------------------- tag bit masks

cdef enum:
    B_SP = 0
    B_SF
    B_SY
    B_SE
    B_SSC
    B_QTC
    B_QTN
    B_EMOJI
    B_JAMO
    B_QTO
    B_SSO
    B_EF
    B_EC
    B_ETN
    B_ETM
    B_NNB
    B_J
    B_VX
    B_VCP
    B_P_VCP
    B_P_J
    B_MAJ
    B_MAG
    B_P_VX
    B_P_EC
    B_VX_P
    B_NP_VCP_EF
    B_XS
    B_VV
    B_VA
    B_MM
    B_NP
    B_JKS
    B_XSN
    B_NNG
    B_EP
    B_IC
    B_UNKNOWN
    B_SC
    B_QT
    B_SS
    B_START_J
    B_START_N
    B_EQ_VCP_EC
    B_EQ_VX_EC
    B_EQ_JX

# substring queries, in bit order (B_SP .. B_SS)
_QUERIES = (
    "SP", "SF", "SY", "SE", "SSC", "QTC", "QTN", "EMOJI", "JAMO", "QTO", "SSO", "EF", "EC",
    "ETN", "ETM", "NNB", "J", "VX", "VCP", "+VCP", "+J", "MAJ", "MAG", "+VX", "+EC", "VX+",
    "NP+VCP+EF", "XS", "VV", "VA", "MM", "NP", "JKS", "XSN", "NNG", "EP", "IC", "UNKNOWN",
    "SC", "QT", "SS",
)

cdef inline uint64_t bit(int b) noexcept nogil:
    return (<uint64_t>1) << b

cdef enum:
    MAX_TAGS = 65536
cdef uint64_t _masks[MAX_TAGS]
_tag_ids = {}
_tag_names = []


cdef uint64_t _mask_of(str tag):
    cdef uint64_t m = 0
    cdef int b
    for b, q in enumerate(_QUERIES):
        if q in tag:
            m |= bit(b)
    if tag.startswith("J"):
        m |= bit(B_START_J)
    if tag.startswith("N"):
        m |= bit(B_START_N)
    if tag == "VCP+EC":
        m |= bit(B_EQ_VCP_EC)
    if tag == "VX+EC":
        m |= bit(B_EQ_VX_EC)
    if tag == "JX":
        m |= bit(B_EQ_JX)
    return m


cdef int tag_id(str tag) except -1:
    cdef object i = _tag_ids.get(tag)
    if i is not None:
        return <int>i
    cdef int n = len(_tag_names)
    if n >= MAX_TAGS:
        raise OverflowError("too many distinct mecab tags")
    _masks[n] = _mask_of(tag)
    _tag_ids[tag] = n
    _tag_names.append(tag)
    return n


cdef int T_SP = tag_id("SP")
cdef int T_EF = tag_id("EF")
cdef int T_EP = tag_id("EP")
cdef int T_VCP = tag_id("VCP")
cdef int T_ETN = tag_id("ETN")
cdef int T_NNG = tag_id("NNG")

cdef uint64_t M_ALL_S = (bit(B_SP) | bit(B_SF) | bit(B_SY) | bit(B_SE) | bit(B_SSC) | bit(B_QTC)
                         | bit(B_QTN) | bit(B_EMOJI) | bit(B_JAMO))
cdef uint64_t M_ALL_S_WO_QTN = M_ALL_S & ~bit(B_QTN)
cdef uint64_t M_QTO = bit(B_QTO)
cdef uint64_t M_SP = bit(B_SP)
cdef uint64_t M_SF = bit(B_SF)
cdef uint64_t M_SPSF = bit(B_SP) | bit(B_SF)
cdef uint64_t M_START = bit(B_SF) | bit(B_EF) | bit(B_EC) | bit(B_ETN) | bit(B_ETM)

# ---------------------------------------------------------------- kss constants

_OVERRIDE = {}  # char -> tag, kss's `_correction` table minus its one context rule ("요")


def _build_override():
    from kss._utils.emojis import _emojis

    candidates = set()
    for coll in (
        _const.circle_bracket_charaters, _const.special_symbols_for_split, _const.daggers,
        "!?.", ",:/ㆍ", "".join(_const.bracket_open_to_close),
        "".join(_const.bracket_close_to_open), "`'\"″", "".join(_const.quotes_open_to_close),
        "".join(_const.quotes_close_to_open), _const.jamo, "^", _emojis,
        _const.special_symbols_for_suffix, _const.spaces,
    ):
        candidates.update(c for c in coll if isinstance(c, str) and len(c) == 1)
    rules = list(SentencePreprocessor._correction.items())
    for c in candidates:
        if c == "요":
            continue
        for func, tag in rules:
            if func(c, ""):
                _OVERRIDE[c] = tag
                break
    # the "요" rule must be the only one whose answer depends on the morpheme's tag
    for p in ("EC", "JX", "NNG", ""):
        hits = [tag for func, tag in rules if func("요", p)]
        expected = ["EF"] if ("EC" in p or p == "JX") else []
        if hits[:1] != expected:
            raise RuntimeError("kss's tag overrides changed; the fast core does not match them")


_build_override()

_SINGLE_WO = "'`"
_DOUBLE_WO = '"″'
_SINGLE_ALL = "".join(_const.single_quotes)
_DOUBLE_ALL = "".join(_const.double_quotes)
_CLOSE_TO_OPEN = dict(_const.quotes_or_brackets_close_to_open)
_DAGGERS = _const.daggers
_SPACES = _const.spaces
_SF_BY_LEN = {}
for _t in _const.sf_exception:
    _SF_BY_LEN.setdefault(len(_t), set()).add(_t)
cdef int _SF_MAX_LEN = max(_SF_BY_LEN)
_UNAVAILABLE_NEXT = tuple(SentenceSplitter.unavailable_next)
_UNAVAILABLE_FIRST = frozenset(t[0] for t in _UNAVAILABLE_NEXT)
_CORRECT_CHARS = frozenset("이네까을였구엇쥬어떄")

_URL = _const.url_pattern
_URL_HINT = re.compile(r"(?i)http|mailto|[.:]")
_EMAIL = _const.email_pattern
_BASE_NORMAL = {k: str(abs(hash(k))) for k in sorted(_const.backup_normal)}
_HEAVY = SentenceProcessor._heavy_backup  # same process, so the same hash() placeholders
_HEAVY_SOURCES = tuple(_HEAVY)
_HEAVY_RANK = {k: i for d in _HEAVY.values() for i, k in enumerate(d)}
_APOSTROPHE_KEY = re.compile("(?=([A-Za-z]['’`][A-Za-z]))")
if set(_HEAVY_RANK) != {a + q + b for a in _const.alphabets for q in "'’`"
                        for b in _const.alphabets}:
    raise RuntimeError("kss's apostrophe backup changed; the fast core does not match it")
_MIN_PLACEHOLDER = min(
    [len(v) for v in _BASE_NORMAL.values()]
    + [len(v) for d in _HEAVY.values() for v in d.values()]
)

# ---------------------------------------------------------------- the syllable arrays


cdef struct Doc:
    Py_UCS4* ch
    int* tg
    int* pv
    int* nx
    int n


class CoreUnsupported(Exception):
    """Raised where kss itself would fail (e.g. IndexError in a postprocessing pass)."""


cdef inline int PV(Doc* d, int i) noexcept:
    return -1 if i < 0 else d.pv[i]

cdef inline int NX(Doc* d, int i) noexcept:
    return -1 if i < 0 else d.nx[i]

cdef inline Py_UCS4 T(Doc* d, int i) noexcept:
    return 0 if i < 0 else d.ch[i]

cdef inline uint64_t MK(Doc* d, int i) noexcept:
    return 0 if i < 0 else _masks[d.tg[i]]

cdef inline bint cp(Doc* d, int i, uint64_t P, uint64_t E) noexcept:
    """Element.check_pos(*P, exclude=E): any P in tag and no E in tag."""
    cdef uint64_t m = MK(d, i)
    return (m & P) != 0 and (m & E) == 0

cdef inline int next_skip(Doc* d, int i, uint64_t P, uint64_t E) noexcept:
    cdef int n = NX(d, i)
    while n >= 0 and cp(d, n, P, E):
        n = d.nx[n]
    return n

cdef inline int prev_skip(Doc* d, int i, uint64_t P, uint64_t E) noexcept:
    cdef int n = PV(d, i)
    while n >= 0 and cp(d, n, P, E):
        n = d.pv[n]
    return n

cdef inline int next_skip_cur(Doc* d, int i, uint64_t P, uint64_t E) noexcept:
    cdef int n = i
    while n >= 0 and cp(d, n, P, E):
        n = d.nx[n]
    return n

cdef inline int prev_skip_cur(Doc* d, int i, uint64_t P, uint64_t E) noexcept:
    cdef int n = i
    while n >= 0 and cp(d, n, P, E):
        n = d.pv[n]
    return n

cdef bint check_texts(Doc* d, int i, str s):
    """Element.check_texts: s read from syllable i on along `next` (Empty: False)."""
    cdef Py_UCS4 c
    if i < 0:
        return False
    for c in s:
        if i < 0 or d.ch[i] != c:
            return False
        i = d.nx[i]
    return True

# ---------------------------------------------------------------- SentenceSplitter rules


cdef bint unavailable_split(Doc* d, int i):
    cdef int n = next_skip(d, i, M_ALL_S, M_QTO)
    if n < 0 or d.ch[n] not in _UNAVAILABLE_FIRST:
        return False
    for t in _UNAVAILABLE_NEXT:
        if check_texts(d, n, t):
            return True
    return False

cdef bint non_doubled_comma(Doc* d, int i) noexcept:
    cdef int n = next_skip(d, i, M_ALL_S, M_QTO)
    return T(d, n) == u',' and not T(d, next_skip(d, n, M_SP, 0)) == u','

cdef bint multiple_prev_texts_from_before(Doc* d, int i):
    """any(check_texts(L steps back, t) for t in sf_exception), grouped by length L."""
    cdef int p = i, q, L = 0, k
    cdef list chars
    while L < _SF_MAX_LEN:
        p = PV(d, p)
        L += 1
        if p < 0:
            return False  # Empty.check_texts is False, and so for every longer t
        if L not in _SF_BY_LEN:
            continue
        chars = []
        q = p
        for k in range(L):
            if q < 0:
                break
            chars.append(d.ch[q])
            q = d.nx[q]
        if len(chars) == L and "".join(chars) in _SF_BY_LEN[L]:
            return True
    return False

cdef bint rule_sf(Doc* d, int i):
    cdef int ps, nsp, psp
    if not (cp(d, i, M_SF, 0) and (
        cp(d, NX(d, i), M_SP, 0)
        or cp(d, next_skip(d, i, M_SP, 0), bit(B_SY) | bit(B_SSO) | bit(B_EMOJI) | bit(B_JAMO), 0)
    )):
        return False
    ps = prev_skip(d, i, M_SPSF, 0)
    if ps >= 0 and d.ch[ps].isnumeric():
        return False
    if cp(d, ps, bit(B_VCP), bit(B_P_VCP)):
        return False
    if (cp(d, ps, bit(B_J), bit(B_EMOJI) | bit(B_JAMO) | bit(B_P_J)) and T(d, i) == u'.'
            and T(d, PV(d, i)) == u'.'):
        return False
    if cp(d, next_skip(d, i, M_SPSF, 0), bit(B_VCP), bit(B_P_VCP)):
        return False
    if cp(d, ps, bit(B_MAJ) | bit(B_MAG), 0):
        return False
    if (cp(d, ps, bit(B_EC), 0) and T(d, ps) == u'만') or (
        cp(d, ps, bit(B_EC) | bit(B_NNB), 0) and T(d, ps) == u'데' and T(d, PV(d, i)) == u'.'
    ):
        return False
    nsp = next_skip(d, i, M_SP, 0)
    psp = prev_skip(d, i, M_SP, 0)
    if T(d, nsp) != u'.' and T(d, next_skip(d, nsp, M_SP, 0)) == u'.':
        return False
    if T(d, psp) != u'.' and T(d, prev_skip(d, psp, M_SP, 0)) == u'.':
        return False
    if unavailable_split(d, i):
        return False
    if T(d, i) == u'.' and multiple_prev_texts_from_before(d, i):
        return False
    return True

cdef bint rule_ef(Doc* d, int i):
    cdef int nsp = next_skip(d, i, M_SP, 0)
    cdef int p = PV(d, i)
    if not (cp(d, i, bit(B_EF), bit(B_P_J)) and not cp(d, nsp, bit(B_EF), 0)):
        return False
    if non_doubled_comma(d, i):
        return False
    if cp(d, nsp, bit(B_EC) | bit(B_J) | bit(B_VX),
          bit(B_MAJ) | bit(B_EMOJI) | bit(B_JAMO) | bit(B_P_VX) | bit(B_P_EC) | bit(B_P_J)
          | bit(B_VX_P)):
        return False
    if cp(d, p, bit(B_NP_VCP_EF), 0) and not cp(d, NX(d, i), M_SF, 0):
        return False
    if T(d, p) == u' ' and cp(d, p, bit(B_VX), bit(B_VX_P)):
        return False
    if unavailable_split(d, i):
        return False
    return True

cdef bint rule_ec(Doc* d, int i):
    cdef int nsp = next_skip(d, i, M_SP, 0)
    cdef int p = PV(d, i)
    cdef int n = NX(d, i)
    if not (T(d, i) == u'다' and cp(d, i, bit(B_EC), bit(B_P_J)) and not cp(d, nsp, bit(B_EC), 0)):
        return False
    if non_doubled_comma(d, i):
        return False
    if cp(d, nsp, bit(B_VCP) | bit(B_J) | bit(B_VX),
          bit(B_MAJ) | bit(B_JAMO) | bit(B_EMOJI) | bit(B_P_J) | bit(B_P_VCP) | bit(B_P_VX)):
        return False
    if unavailable_split(d, i):
        return False
    if cp(d, p, bit(B_EP), 0) and cp(
            d, nsp, bit(B_SF) | bit(B_SY) | bit(B_SSO) | bit(B_QTO) | bit(B_EMOJI), 0):
        return True
    # kss passes "MAJ" as the exclude argument here: _check_next_skip_sp_pos("NP", "MAJ")
    if cp(d, p, bit(B_EP), 0) and cp(d, nsp, bit(B_NP), bit(B_MAJ)):
        return True
    if T(d, p) == u'니' and cp(d, p, bit(B_EC), 0) and not (
            T(d, n) == u'만' and cp(d, n, bit(B_EC), 0)):
        return True
    return False

cdef bint rule_etn(Doc* d, int i):
    cdef int nsp = next_skip(d, i, M_SP, 0)
    cdef int a, b
    # kss: _check_text("기", "길") is check_text("기", exclude=("길",)), i.e. text == "기"
    if not (cp(d, i, bit(B_ETN), bit(B_P_J) | bit(B_XS)) and not cp(d, nsp, bit(B_ETN), 0)
            and not T(d, i) == u'기'):
        return False
    if non_doubled_comma(d, i):
        return False
    if not cp(d, NX(d, i), M_SP | M_SF | bit(B_SY) | bit(B_SSO) | bit(B_QTO) | bit(B_EMOJI)
              | bit(B_JAMO), 0):
        return False
    if cp(d, nsp, bit(B_J) | bit(B_VV) | bit(B_VA) | bit(B_VX),
          bit(B_MAJ) | bit(B_EMOJI) | bit(B_JAMO) | bit(B_P_J)):
        return False
    if cp(d, next_skip(d, i, M_SPSF, 0), bit(B_MM) | bit(B_SSC), 0):
        return False
    a = prev_skip(d, prev_skip(d, i, bit(B_ETN), 0), M_ALL_S, M_QTO)
    b = next_skip(d, i, M_ALL_S, M_QTO)
    if b >= 0 and (a < 0 or d.ch[a] == d.ch[b]):  # check_text("") is True on a syllable
        return False
    if unavailable_split(d, i):
        return False
    return True

cdef bint rule_etm(Doc* d, int i):
    cdef int nsp = next_skip(d, i, M_SP, 0)
    if not (cp(d, i, bit(B_ETM), bit(B_P_J) | bit(B_XS)) and not cp(d, nsp, bit(B_ETM), 0)):
        return False
    if non_doubled_comma(d, i):
        return False
    if cp(d, next_skip(d, i, M_ALL_S, M_QTO), bit(B_NNB), 0):
        return False
    if cp(d, nsp, bit(B_J), bit(B_MAJ) | bit(B_EMOJI) | bit(B_JAMO) | bit(B_P_J)):
        return False
    if unavailable_split(d, i):
        return False
    return check_texts(d, PV(d, i), "다능") or cp(d, nsp, bit(B_SE), 0)

cdef bint rule_char(Doc* d, int i):
    cdef int n, cnt
    cdef int nss
    if not (T(d, i) == u'듯' and cp(d, i, bit(B_NNB), 0)):
        return False
    nss = next_skip(d, i, M_SPSF, 0)
    if not (cp(d, nss, bit(B_EMOJI) | bit(B_JAMO), 0) or T(d, nss) == u'…'):
        return False
    n = next_skip(d, i, M_SP, 0)
    cnt = 0
    while cnt < 5 and not cp(d, n, bit(B_JAMO) | bit(B_EMOJI), 0):
        n = next_skip(d, n, M_SP, 0)
        cnt += 1
    return not cp(d, n, bit(B_VV), 0)

cdef bint split_start(Doc* d, int i):
    if (MK(d, i) & M_START) == 0 and d.ch[i] != u'듯':
        return False
    return (rule_sf(d, i) or rule_ef(d, i) or rule_ec(d, i) or rule_etn(d, i)
            or rule_etm(d, i) or rule_char(d, i))

cdef inline bint is_dash(Py_UCS4 c) noexcept:
    return c == u'－' or c == u'-' or c == u'–'

cdef int split_end(Doc* d, int i):
    """(end_split, end_split_exception) of check_split_end as bits 1 and 2."""
    cdef Py_UCS4 c = d.ch[i]
    cdef bint end
    cdef int ps
    end = not cp(d, i, M_ALL_S_WO_QTN, M_QTO) and not (
        (c == u',' and T(d, NX(d, i)) == u',') or (c == u',' and T(d, PV(d, i)) == u',')
    )
    end = end and not cp(d, i, bit(B_JAMO), 0)
    end = end and not split_start(d, i)
    if end:
        return 1
    ps = prev_skip(d, i, M_SP, 0)
    if ps >= 0 and (d.ch[ps] == u'?' or d.ch[ps] == u'!') and T(d, next_skip(d, i, M_SP, 0)) == u'.':
        return 3
    if is_dash(c):
        if not (cp(d, next_skip(d, i, M_SP, 0), M_SF, 0) or is_dash(T(d, NX(d, i)))):
            return 3
        return 0
    if (cp(d, PV(d, i), M_SP, 0) and 0x3131 <= c <= 0x314E and T(d, NX(d, i)) == u'.'
            and T(d, NX(d, NX(d, i))) == u' '):
        return 3
    return 0

# ---------------------------------------------------------------- split + realign


cdef list split_seq(Doc* d, list seq, int recursion):
    """_split_sentences on a sequence of syllable ids, without postprocessing."""
    cdef list output = []
    cdef list cur = []
    cdef list single = []
    cdef list double = []
    cdef bint prev_emb = False, cur_emb, split_mode = False, added
    cdef Py_ssize_t idx, n = len(seq), sent_idx
    cdef Py_ssize_t single_idx = 0, double_idx = 0, single_sent = 0, double_sent = 0
    cdef int s, e
    cdef Py_UCS4 c
    for idx in range(n):
        s = seq[idx]
        c = d.ch[s]
        sent_idx = len(output)
        added = False
        # EmbracingProcessor.process
        if c == u"'" or c == u'`':
            single_sent = sent_idx
            single_idx = idx
            if single and single[-1] == c:
                single.pop()
            else:
                single.append(c)
        elif c == u'"' or c == u'″':
            double_sent = sent_idx
            double_idx = idx
            if double and double[-1] == c:
                double.pop()
            else:
                double.append(c)
        cur_emb = bool(single) or bool(double)
        if not split_mode:
            if c == u'¶':
                output.append(cur)
                cur = [s]
                added = True
            else:
                split_mode = split_start(d, s)
        else:
            e = split_end(d, s)
            # EmbracingProcessor.update_index
            if c in _SINGLE_ALL:
                single_idx = idx
                single_sent = sent_idx
            elif c in _DOUBLE_ALL:
                double_idx = idx
                double_sent = sent_idx
            if e & 1:
                split_mode = False
                if not cur_emb and prev_emb:
                    cur.append(s)
                    output.append(cur)
                    cur = []
                    added = True
                elif not prev_emb:
                    output.append(cur)
                    cur = []
                else:
                    split_mode = (e & 2) != 0
        if not added:
            cur.append(s)
        prev_emb = cur_emb
    if len(cur) != 0:
        output.append(cur)
    if recursion < 10:
        if single:
            return realign(d, seq, output, single_idx, single_sent, recursion)
        if double:
            return realign(d, seq, output, double_idx, double_sent, recursion)
    return output


cdef list realign(Doc* d, list seq, list output, Py_ssize_t idx, Py_ssize_t sent_idx,
                  int recursion):
    """EmbracingProcessor._realign_sentences / _realign_sub_sentences."""
    cdef Py_ssize_t start = 0
    cdef list sub = []
    for o in output[:sent_idx]:
        start += len(<list>o)
    for o in output[sent_idx:]:
        sub.extend(<list>o)
    cdef Py_ssize_t in_sent = idx - start
    syllable = seq[idx]
    before = split_seq(d, sub[:in_sent], recursion + 1)
    before_last = before[-1] if len(before) > 0 else []
    before = [] if len(before) == 1 else before[:-1]
    after = split_seq(d, sub[in_sent + 1:], recursion + 1)
    after_first = after[0] if len(after) > 0 else []
    after = [] if len(after_first) == 1 else after[1:]
    return output[:sent_idx] + before + [before_last + [syllable] + after_first] + after

# ---------------------------------------------------------------- SentencePostprocessor


cdef bint blank(Doc* d, list sent):
    cdef int s
    for s in sent:
        if not d.ch[s].isspace():
            return False
    return True

cdef list remove_empty(Doc* d, list out):
    return [s for s in out if not blank(d, <list>s)]

cdef int insert_index(list out, Py_ssize_t si):
    cdef Py_ssize_t ins = si - 1
    while ins > 0 and len(<list>out[ins]) == 0:
        ins -= 1
    return ins

cdef Py_UCS4 last_char(Doc* d, list out, Py_ssize_t si) except? 0:
    cdef list prev = out[si - 1]
    if len(prev) == 0:
        raise CoreUnsupported("kss raises IndexError here")
    return d.ch[<int>prev[-1]]

cdef list pp_remove_first_space(Doc* d, list out):
    if len(out) > 0 and len(<list>out[0]) > 0 and cp(d, out[0][0], M_SP, 0):
        (<list>out[0]).pop(0)
    return out

cdef list pp_remove_space_before_emoji(Doc* d, list out):
    cdef list sent
    cdef Py_ssize_t k
    cdef int s, p
    for sent in out:
        k = 0
        while k < len(sent):
            s = sent[k]
            p = d.pv[s]
            if cp(d, s, bit(B_EMOJI), 0) and T(d, p) == u' ':
                d.pv[s] = PV(d, p)
                sent.pop(k - 1)
            k += 1
    return out

cdef list pp_merge_broken(Doc* d, list out):
    cdef Py_ssize_t num = len(out), si, yi, sub_i
    cdef dict last_open = {}, first_close = {}
    cdef int s
    for si in range(num):
        for yi, s in enumerate(<list>out[si]):
            if cp(d, s, bit(B_SSO) | bit(B_QTO), 0):
                last_open.setdefault(d.ch[s], []).append((si, yi))
            if cp(d, s, bit(B_SSC) | bit(B_QTC), 0):
                first_close.setdefault(d.ch[s], []).append((si, yi))
        for close_c, close_values in first_close.items():
            if len(close_values) == 0 or close_c not in _CLOSE_TO_OPEN:
                continue
            close_si, close_yi = close_values[-1]
            open_c = _CLOSE_TO_OPEN[close_c]
            if open_c not in last_open:
                continue
            open_values = [
                (a, b) for a, b in last_open[open_c]
                if a < close_si or (a == close_si and b < close_yi)
            ]
            if len(open_values) == 0:
                continue
            open_si, open_yi = open_values[-1]
            if close_si <= open_si:
                continue
            for sub_i in range(open_si + 1, close_si + 1):
                sub_sent = out[sub_i]
                if sub_i == close_si:
                    sub_sent = sub_sent[: close_yi + 1]
                (<list>out[open_si]).extend(sub_sent)
                if sub_i == close_si:
                    out[sub_i] = out[sub_i][close_yi + 1:]
                else:
                    out[sub_i] = []
            last_open[open_c].remove((open_si, open_yi))
            first_close[close_c].remove((close_si, close_yi))
    return remove_empty(d, out)

cdef bint text_from_character(Doc* d, int s, str target):
    """SentencePostprocessor._check_text_from_character."""
    cdef str t0 = d.ch[s]
    cdef int n = s
    cdef Py_UCS4 c
    if (not target.startswith(t0)) and t0 in target:
        split = target.split(t0)
        if len(split) > 1:
            target = t0 + split[1]
    for c in target:
        if n < 0 or d.ch[n] != c:
            return False
        n = d.nx[n]
    return True

cdef list pp_footnote(Doc* d, list out):
    cdef Py_ssize_t si, yi, ins
    cdef list sent
    cdef int s, f, close_idx
    cdef bint move
    for si in range(len(out)):
        sent = out[si]
        if si == 0 or len(sent) == 0:
            continue
        f = next_skip_cur(d, sent[0], M_SP, 0)
        if f < 0 or d.ch[f] != u'[':
            continue
        close_idx = -1
        move = False
        for yi in range(len(sent)):
            s = sent[yi]
            if last_char(d, out, si) not in "\r\n\v\f" and (
                d.ch[s] in "[0123456789*, ]"
                or text_from_character(d, s, "편집]")
                or text_from_character(d, s, "더 보기]")
                or text_from_character(d, s, "더보기]")
                or text_from_character(d, s, "스포일러]")
                or text_from_character(d, s, "참고 ")
            ):
                move = True
            else:
                break
            if d.ch[s] == u']':
                close_idx = yi
        if close_idx >= 0:
            if move and close_idx + 1 < len(sent):
                f = next_skip_cur(d, sent[close_idx + 1], M_SP, 0)
                move = (not (MK(d, f) & bit(B_START_J))) and not check_texts(d, f, "버튼")
            if move:
                ins = insert_index(out, si)
                (<list>out[ins]).extend(sent[: close_idx + 1])
                out[si] = sent[close_idx + 1:]
    return remove_empty(d, out)

cdef list pp_daggers(Doc* d, list out):
    cdef Py_ssize_t si, ins
    cdef list sent
    cdef int f
    for si in range(len(out)):
        sent = out[si]
        if si == 0 or len(sent) == 0:
            continue
        f = next_skip_cur(d, sent[0], M_SP, 0)
        if f >= 0 and d.ch[f] not in _DAGGERS:  # Empty's text "" is `in` any string
            continue
        if last_char(d, out, si) not in " \r\n\v\f":
            ins = insert_index(out, si)
            (<list>out[ins]).append(sent[0])
            out[si] = sent[1:]
    return remove_empty(d, out)

cdef list pp_non_structural(Doc* d, list out):
    cdef Py_ssize_t si, yi, close_idx, add, k, ins
    cdef list sent
    cdef bint close_last, noun_finish, not_josa
    cdef int f, s
    for si in range(len(out)):
        sent = out[si]
        if si == 0 or len(sent) == 0:
            continue
        f = next_skip_cur(d, sent[0], M_SP, 0)
        if f < 0 or d.ch[f] != u'(':
            continue
        close_idx = -1
        close_last = False
        for yi in range(len(sent)):
            if d.ch[<int>sent[yi]] == u')':
                close_idx = yi
                close_last = yi == len(sent) - 1
                break
        if close_idx < 0:
            continue
        noun_finish = (MK(d, prev_skip_cur(d, sent[close_idx - 1], M_ALL_S, M_QTO))
                       & bit(B_START_N)) != 0
        not_josa = close_last or not (
            MK(d, next_skip_cur(d, sent[close_idx + 1], M_SP, 0)) & bit(B_START_J))
        add = 0
        if not close_last:
            for k in range(close_idx + 1, len(sent)):
                if cp(d, sent[k], M_ALL_S, M_QTO):
                    add += 1
                else:
                    break
        if noun_finish and not_josa:
            for s in sent[: close_idx + 1 + add]:
                ins = insert_index(out, si)
                (<list>out[ins]).append(s)
            out[si] = sent[close_idx + 1 + add:]
    return remove_empty(d, out)

cdef list pp_unexpected(Doc* d, list out):
    cdef Py_ssize_t si, ins
    cdef list sent
    cdef int f, s
    cdef uint64_t m
    for si in range(len(out)):
        sent = out[si]
        if si == 0 or len(sent) == 0:
            continue
        f = next_skip_cur(d, sent[0], M_SP, 0)
        m = MK(d, f)
        if (m & (bit(B_EQ_VCP_EC) | bit(B_EQ_VX_EC))) or cp(
            d, f, bit(B_J) | bit(B_VCP) | bit(B_EC) | bit(B_VX),
            bit(B_MAJ) | bit(B_P_J) | bit(B_P_VCP) | bit(B_P_EC) | bit(B_P_VX) | bit(B_JAMO),
        ):
            for s in sent:
                ins = insert_index(out, si)
                (<list>out[ins]).append(s)
            out[si] = []
    return remove_empty(d, out)

cdef list pp_symbols_only(Doc* d, list out):
    cdef Py_ssize_t si, ins
    cdef list sent
    cdef int s
    cdef bint all_sym
    cdef uint64_t P = (bit(B_SY) | bit(B_SF) | bit(B_SE) | bit(B_SC) | bit(B_QT) | bit(B_SS)
                       | bit(B_SP))
    for si in range(len(out)):
        sent = out[si]
        if si == 0 or len(sent) == 0:
            continue
        all_sym = True
        for s in sent:
            if not cp(d, s, P, 0):
                all_sym = False
                break
        if all_sym:
            for s in sent:
                ins = insert_index(out, si)
                (<list>out[ins]).append(s)
            out[si] = []
    return remove_empty(d, out)

cdef list to_strings(Doc* d, list out):
    cdef list result = []
    cdef list sent
    cdef int s
    for sent in out:
        text = "".join([d.ch[s] for s in sent]).strip(_SPACES)
        if len(text) != 0:
            result.append(text)
    return result

# ---------------------------------------------------------------- morphemes -> syllables


cdef list parse_mecab(str lattice_text):
    """(surface, tag) pairs from MeCab's lattice string ("surface\\tfeature\\n ... EOS\\n")."""
    cdef list tokens = []
    cdef Py_ssize_t tab, comma
    for line in lattice_text.split("\n"):
        if line == "EOS" or line == "":
            break
        tab = line.find("\t")
        if tab < 0:
            raise CoreUnsupported("unexpected MeCab output line")
        comma = line.find(",", tab + 1)
        if comma < 0:
            raise CoreUnsupported("unexpected MeCab feature")
        tokens.append((line[:tab], line[tab + 1:comma]))
    return tokens


cdef list preserve_space(str text, list tokens):
    """kss._modules.morphemes.utils._preserve_space(text, tokens, " \\n\\r\\t\\v")."""
    cdef list results = []
    cdef Py_ssize_t text_idx = 0, token_idx = 0, len_text = len(text), len_tokens = len(tokens)
    cdef Py_UCS4 c
    while text_idx < len_text:
        c = text[text_idx]
        if c == u' ' or c == u'\n' or c == u'\r' or c == u'\t' or c == u'\v':
            results.append((c, "SP"))
            text_idx += 1
        elif token_idx < len_tokens:
            token = tokens[token_idx]
            results.append(token)
            text_idx += len(<str>token[0])
            token_idx += 1
        else:
            break
    return results


cdef void set_tag(Doc* d, int i, int t) noexcept:
    if i >= 0:
        d.tg[i] = t

cdef inline bint pt(Doc* d, int i, int b, Py_UCS4 c) noexcept:
    return i >= 0 and d.ch[i] == c and (_masks[d.tg[i]] & bit(b)) != 0

cdef void correct_wrong_tags(Doc* d, int n):
    """SentencePreprocessor._correct_wrong_tags, in order, on the plain chain 0..n-1."""
    cdef int s, a, b
    for s in range(n):
        if d.ch[s] not in _CORRECT_CHARS:
            continue
        a = NX(d, s)
        b = NX(d, a)
        if pt(d, s, B_JKS, u'이') and pt(d, a, B_MAG, u'다'):
            set_tag(d, s, T_VCP); set_tag(d, a, T_EF)
        if pt(d, s, B_EF, u'네') and pt(d, a, B_XSN, u'용'):
            set_tag(d, s, T_EF); set_tag(d, a, T_EF)
        if pt(d, s, B_EC, u'까') and pt(d, a, B_NNG, u'용'):
            set_tag(d, s, T_EF); set_tag(d, a, T_EF)
        if pt(d, s, B_EF, u'을') and pt(d, a, B_EF, u'까') and pt(d, b, B_XSN, u'용'):
            set_tag(d, s, T_EF); set_tag(d, a, T_EF); set_tag(d, b, T_EF)
        if pt(d, s, B_EP, u'였') and pt(d, a, B_EC, u'게') and pt(d, b, B_NNG, u'용'):
            set_tag(d, s, T_EP); set_tag(d, a, T_EF); set_tag(d, b, T_EF)
        if pt(d, s, B_EC, u'구') and pt(d, a, B_NNG, u'용'):
            set_tag(d, s, T_EF); set_tag(d, a, T_EF)
        if pt(d, s, B_EF, u'엇') and pt(d, a, B_IC, u'음'):
            set_tag(d, s, T_EP); set_tag(d, a, T_ETN)
        if pt(d, s, B_EC, u'쥬'):
            set_tag(d, s, T_EF)
        if pt(d, s, B_EC, u'어') and pt(d, a, B_EC, u'용'):
            set_tag(d, s, T_EF); set_tag(d, a, T_EF)
        if pt(d, s, B_UNKNOWN, u'떄'):
            set_tag(d, s, T_NNG)


cdef list split_morphemes(list morphemes):
    """Syllables from morphemes, then kss's split and postprocessing; sentences (backed up)."""
    cdef Py_ssize_t n = 1, cap, i
    cdef Doc d
    cdef int k, t, ov_t, t_ef, new
    cdef Py_UCS4 c
    cdef list order
    for m in morphemes:
        n += len(<str>m[0])
    cap = 2 * n + 1
    d.ch = <Py_UCS4*>malloc(cap * sizeof(Py_UCS4))
    d.tg = <int*>malloc(cap * sizeof(int))
    d.pv = <int*>malloc(cap * sizeof(int))
    d.nx = <int*>malloc(cap * sizeof(int))
    if not d.ch or not d.tg or not d.pv or not d.nx:
        free(d.ch); free(d.tg); free(d.pv); free(d.nx)
        raise MemoryError()
    try:
        # _convert_morphemes_to_syllables
        d.ch[0] = u' '
        d.tg[0] = T_SP
        d.pv[0] = -1
        k = 1
        for m in morphemes:
            p = <str>m[1]
            t = tag_id(p)
            ov_t = -1
            if p is not None and ("EC" in p or p == "JX"):
                ov_t = T_EF
            for c in <str>m[0]:
                ov = _OVERRIDE.get(c)
                d.ch[k] = c
                if ov is not None:
                    d.tg[k] = tag_id(ov)
                elif c == u'요' and ov_t >= 0:
                    d.tg[k] = ov_t
                else:
                    d.tg[k] = t
                d.pv[k] = k - 1
                d.nx[k - 1] = k
                k += 1
        d.nx[k - 1] = -1
        d.n = k
        correct_wrong_tags(&d, k)
        # _append_space_before_emoji
        order = []
        new = k
        for i in range(k):
            if (_masks[d.tg[i]] & bit(B_EMOJI)) and not cp(&d, d.pv[i], bit(B_EMOJI), 0):
                d.ch[new] = u' '
                d.tg[new] = T_SP
                d.pv[new] = d.pv[i]
                d.nx[new] = i
                d.pv[i] = new
                order.append(new)
                new += 1
            order.append(i)
        out = split_seq(&d, order, 0)
        out = pp_remove_first_space(&d, out)
        out = pp_remove_space_before_emoji(&d, out)
        out = pp_merge_broken(&d, out)
        out = pp_footnote(&d, out)
        out = pp_daggers(&d, out)
        out = pp_non_structural(&d, out)
        out = pp_unexpected(&d, out)
        out = pp_symbols_only(&d, out)
        return to_strings(&d, out)
    finally:
        free(d.ch); free(d.tg); free(d.pv); free(d.nx)

# ---------------------------------------------------------------- backup / restore

_PLACEHOLDER_RUN = re.compile("[0-9]{%d,}" % _MIN_PLACEHOLDER)


cdef tuple backup(str text):
    """SentenceProcessor.backup with this line's URLs/e-mails only; (text, normal table)."""
    cdef dict normal = _BASE_NORMAL
    # every URL or e-mail match contains one of these, under the same (?i) case folding
    found = _URL.findall(text) + _EMAIL.findall(text) if _URL_HINT.search(text) else ()
    if found:
        normal = dict(_BASE_NORMAL)
        for k in found:
            normal[k] = str(abs(hash(k)))
    for k, v in normal.items():
        if k in text:
            text = text.replace(k, v)
    if "'" in text or "’" in text or "`" in text:
        # kss tries all 52 x 156 letter-apostrophe-letter keys in _HEAVY's order; only keys
        # present now can match later (replacements are digits), so try just those, in order
        present = set(_APOSTROPHE_KEY.findall(text))
        if present:
            for source in _HEAVY_SOURCES:
                if source not in text:
                    continue
                purpose = _HEAVY[source]
                for k in sorted([k for k in present if k[0] == source], key=_HEAVY_RANK.get):
                    if k in text:
                        text = text.replace(k, purpose[k])
    return text, normal


cdef str restore(str out, str original, dict normal):
    """SentenceProcessor.restore: placeholders are runs of digits, so most sentences skip it."""
    if _PLACEHOLDER_RUN.search(out) is None and not _short_placeholders(normal):
        return out
    for k, v in normal.items():
        if v in out:
            out = out.replace(v, k)
    for source, purpose in _HEAVY.items():
        if source in original:
            for k, v in purpose.items():
                if v in out:
                    out = out.replace(v, k)
    return out


cdef bint _short_placeholders(dict normal):
    if normal is _BASE_NORMAL:
        return False
    for v in normal.values():
        if len(<str>v) < _MIN_PLACEHOLDER:
            return True
    return False

# ---------------------------------------------------------------- entry points


cdef class Core:
    """kss-mecab sentence splitting; one per process or thread (holds a tagger and a lattice)."""

    cdef object _tagger
    cdef object _lattice

    def __init__(self):
        import _mecab
        from mecab import MeCab

        self._tagger = MeCab()._tagger  # the tagger kss's MecabAnalyzer builds (MeCab())
        # one lattice, reused: set_sentence clears it (~10% of MeCab's time saved)
        self._lattice = _mecab.Lattice()
        self._lattice.add_request_type(_mecab.MECAB_ALLOCATE_SENTENCE)

    cpdef str analyze(self, str text):
        """MeCab's lattice output for text, as python-mecab-ko's MeCab.parse computes it."""
        self._lattice.set_sentence(text)
        if not self._tagger.parse(self._lattice):
            raise CoreUnsupported(self._tagger.what())
        return self._lattice.to_string()

    def stage_times(self, str text):
        """Seconds spent in backup, MeCab, morpheme parsing, split + postprocessing, restore."""
        from time import process_time as clock

        t0 = clock()
        backed, normal = backup(text)
        t1 = clock()
        lattice = self.analyze(backed)
        t2 = clock()
        morphemes = preserve_space(backed, parse_mecab(lattice))
        t3 = clock()
        sentences = split_morphemes(morphemes)
        t4 = clock()
        [restore(s, text, normal) for s in sentences]
        t5 = clock()
        return {"backup": t1 - t0, "mecab": t2 - t1, "morphemes": t3 - t2, "split": t4 - t3,
                "restore": t5 - t4}

    cpdef list split(self, str text):
        """kss.split_sentences(text, backend="mecab") for a str (fresh-process answer)."""
        backed, normal = backup(text)
        tokens = parse_mecab(self.analyze(backed))
        morphemes = preserve_space(backed, tokens)
        sentences = split_morphemes(morphemes)
        return [restore(s, text, normal) for s in sentences]


def backed_up(str text):
    """The text kss hands MeCab (placeholders for URLs, e-mails, emoticons, apostrophes)."""
    return backup(text)[0]
