"""Turning command output bytes into text (SYNC-015).

Commands print bytes, the model and the UI need ``str``. Almost everything is UTF-8 and takes the
fast path (one C-level ``bytes.decode``, no detection at all). The rest is legacy output: Windows
code pages from tools run under Wine or over SSH (cp1251, cp866, cp1252 "smart quotes"), latin-1
files being ``cat``-ed, Shift-JIS logs. For those we pick the encoding whose decoded text looks
most like real text.

Why not just ``charset_normalizer.from_bytes(...).best()``: on the short snippets that dominate
shell output it is often wrong (measured with charset-normalizer 3.5: ``пример`` in cp1251 comes
out as Big5 ``瀔鳻歑``, ``café naïve`` in latin-1 as cp1250 ``naďve``, ``“quotes”`` in cp1252 as
cp866 ``УquotesФ``). So detection works in two steps:

1. decode a sample (16 KiB) strictly with each of a short list of the encodings command output
   actually uses, and score each result with a cheap plausibility check (no letters of two scripts
   glued together, no ``яЁ``-style case flips inside a word, no runs of three accented Latin
   letters, no symbols or punctuation inside words, no C1 controls, no rare CJK characters, no
   kana in "Chinese", ...). Only tokens containing non-ASCII characters are looked at.
2. if none fits perfectly, ask charset-normalizer (imported lazily: it costs tens of milliseconds
   to import) for more candidates (Greek, Arabic, Baltic, Thai, ...) and score those too. If
   several candidates fit equally well but read differently and there is enough text (24+
   non-ASCII bytes), charset-normalizer's language model breaks the tie; otherwise the list order
   does (cp1252 before cp1251 before cp866 ...).

Codex's special case is kept: ASCII text with only Windows-1252 punctuation bytes (0x91-0x97,
0x99) is cp1252 even though those bytes are Cyrillic capitals in cp866. When nothing fits (more than
0.3 penalty points per non-ASCII character), or the data looks binary (NULs, control bytes), the
result is UTF-8 with U+FFFD replacement characters. Nothing here raises on any input.

Known limits: without language statistics some pairs are inherently ambiguous on short text.
Hebrew cp1255 reads as plausible lowercase Cyrillic and comes out as cp1251; a few random high
bytes can form a "word" (``\xff\xfe\xfd`` is ``яюэ`` in cp1251). Korean EUC-KR text with
only common syllables could read as Chinese; cp949 is tried first for that reason.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from typing import NamedTuple

__all__ = [
    "StreamDecoder",
    "decode_output",
    "detect_encoding",
]

# Encodings tried first, in order of preference when two fit equally well.
_PRIMARY_CANDIDATES: tuple[str, ...] = (
    "cp1252",
    "cp1251",
    "cp866",
    "cp932",  # Shift-JIS as Windows writes it (a superset of shift_jis)
    "cp949",  # before gb18030: Chinese read as cp949 mixes Hangul and Hanja, and is caught
    "gb18030",
    "euc_jp",
    "big5",
    "koi8_r",
    "cp1254",
    "cp1250",
    "latin_1",  # covers the bytes cp1252 leaves undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d)
)

# What charset-normalizer may add: real-world legacy encodings, not its exotic guesses
# (hp-roman8, cp1006, ptcp154, ...) that fit short snippets by accident.
_SECONDARY_ALLOWED = frozenset(
    {
        "cp1253", "cp1255", "cp1256", "cp1257", "cp1258", "cp874", "cp437", "cp850", "cp852",
        "cp855", "cp1125", "koi8_u", "mac_roman", "mac_cyrillic", "tis_620", "euc_kr",
        "shift_jis", "iso2022_jp", "big5hkscs", "cp950", "gbk", "hz",
        "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7",
        "iso8859_8", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15",
        "iso8859_16",
    }
)  # fmt: skip

_CHINESE = frozenset({"gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "cp936", "hz"})
_KOREAN = frozenset({"cp949", "euc_kr", "johab", "iso2022_kr"})

# Windows-1252 smart punctuation: ‘ ’ “ ” • – — ™ (see codex-rs core/src/text_encoding.rs).
_CP1252_PUNCT = frozenset(b"\x91\x92\x93\x94\x95\x96\x97\x99")

_SAMPLE_BYTES = 16 * 1024
_MAX_TOKENS = 200
_MAX_TOKEN_CHARS = 64
# Score above which a candidate "does not fit", per non-ASCII character it produced.
_NOTHING_FITS_PER_CHAR = 0.3

_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_VALID_UTF8_SEQ = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_ASCII_LETTER = re.compile(rb"[A-Za-z]")
_TOKEN = re.compile(r"\S*[^\x00-\x7f]\S*")
# Control bytes that do not occur in text (tab, newlines, form feed, backspace, bell, escape do).
_TEXT_CONTROLS = b"\x07\x08\t\n\x0b\x0c\r\x1b"
_NOT_BINARY = bytes(b for b in range(256) if b >= 0x20 and b != 0x7F) + _TEXT_CONTROLS


def decode_output(data: bytes) -> str:
    """Decode command output to ``str``; never raises.

    Valid UTF-8 is returned exactly as ``data.decode("utf-8")`` would, without any detection.
    """
    if not data:
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return data.decode(detect_encoding(data), errors="replace")


def detect_encoding(data: bytes) -> str:
    """The codec name that best decodes ``data`` (``"utf-8"`` when in doubt). Never raises."""
    try:
        return _detect(data)
    except Exception:  # a bug in a heuristic must never cost the user the output
        return "utf-8"


def _detect(data: bytes) -> str:
    if not _HIGH_BYTE.search(data[:_SAMPLE_BYTES]) and _is_utf8(data):
        return "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if len(data) % 4 == 0 and data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    utf16_bom = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if utf16_bom and len(data) % 2 == 0 and len(data) >= 4:
        return "utf-16"
    sample = _sample(data)
    utf16 = _bomless_utf16(sample)
    if utf16:
        return utf16
    if _looks_binary(sample) or _mostly_utf8(sample):
        return "utf-8"
    high = set(sample) - set(range(0x80))
    if high and high <= _CP1252_PUNCT and _ASCII_LETTER.search(sample):
        return "cp1252"  # Codex's rule: smart punctuation around ASCII words
    scored = [s for name in _PRIMARY_CANDIDATES if (s := _score_candidate(sample, name))]
    best = min(scored, key=lambda s: s.penalty) if scored else None
    if best is None or best.penalty > 0:
        tried = {s.encoding for s in scored}
        for name in _charset_normalizer_guesses(sample, None):
            if name not in tried and (extra := _score_candidate(sample, name)):
                scored.append(extra)
        best = min(scored, key=lambda s: s.penalty) if scored else None
    if best is None or best.penalty > _NOTHING_FITS_PER_CHAR * max(best.chars, 1):
        return "utf-8"
    # Several encodings may fit equally well yet read differently (Turkish cp1254 and Romanian
    # cp1250 differ in a few letters). With enough text charset-normalizer's language model
    # breaks the tie; otherwise the order of _PRIMARY_CANDIDATES does.
    tied: dict[str, str] = {}
    for s in scored:
        if s.penalty == best.penalty and s.text not in tied.values():
            tied[s.encoding] = s.text
    if len(tied) > 1 and len(_HIGH_BYTE.findall(sample)) >= 24:
        for name in _charset_normalizer_guesses(sample, list(tied)):
            if name in tied:
                return name
    return best.encoding


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _sample(data: bytes) -> bytes:
    """Up to 64 KiB starting just before the first non-ASCII byte (an aligned start)."""
    if len(data) <= _SAMPLE_BYTES:
        return data
    m = _HIGH_BYTE.search(data)
    start = 0 if m is None else max(0, m.start() - 256)
    return data[start : start + _SAMPLE_BYTES]


def _bomless_utf16(sample: bytes) -> str | None:
    """UTF-16 without a BOM (Windows tools do print that): every other byte NUL."""
    n = len(sample) // 2 * 2
    if n < 8:
        return None
    even, odd = sample[0:n:2], sample[1:n:2]
    half = n // 2
    if odd.count(0) >= 0.9 * half and even.count(0) <= 0.05 * half:
        return "utf-16-le"
    if even.count(0) >= 0.9 * half and odd.count(0) <= 0.05 * half:
        return "utf-16-be"
    return None


def _looks_binary(sample: bytes) -> bool:
    controls = len(sample.translate(None, _NOT_BINARY))
    return controls > 0.05 * len(sample) or b"\x00" in sample


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8 with a few broken bytes (or cut in the middle of a character) is still UTF-8."""
    high = len(_HIGH_BYTE.findall(sample))
    valid = sum(len(m) for m in _VALID_UTF8_SEQ.findall(sample))
    if valid and high - valid <= 3:
        try:
            sample.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
                return True  # cut in the middle of its last character
    return valid >= 4 and valid >= high - valid


def _charset_normalizer_guesses(sample: bytes, among: list[str] | None) -> list[str]:
    """charset-normalizer's candidates, best first: any allowed encoding, or one of ``among``."""
    from charset_normalizer import from_bytes

    excluded = ["utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be", "utf_7"]
    try:
        if among is None:
            matches = from_bytes(sample[:16384], cp_exclusion=excluded)
        else:
            matches = from_bytes(sample[:16384], cp_isolation=among)
    except Exception:
        return []
    names = []
    best = matches.best()
    if best is not None:
        names.append(best.encoding)
    names.extend(m.encoding for m in list(matches)[:6])
    out: list[str] = []
    for name in names:
        try:
            canonical = codecs.lookup(name).name
        except LookupError:
            continue
        allowed = _SECONDARY_ALLOWED if among is None else among
        if canonical not in out and canonical in allowed:
            out.append(canonical)
    return out


class _Scored(NamedTuple):
    encoding: str
    penalty: float
    chars: int
    text: str


def _score_candidate(sample: bytes, encoding: str) -> _Scored | None:
    """How implausible ``sample`` decoded strictly as ``encoding`` is; None: it does not decode."""
    try:
        text = sample.decode(encoding)
    except UnicodeDecodeError as exc:
        # A sample cut in the middle of a multibyte character is fine; anything else is not.
        if exc.start < len(sample) - 4 or exc.start == 0:
            return None
        try:
            text = sample[: exc.start].decode(encoding)
        except UnicodeDecodeError:
            return None
    except LookupError:
        return None
    family = _family(encoding)
    penalty = 0.0
    chars = 0
    for n, m in enumerate(_TOKEN.finditer(text)):
        if n >= _MAX_TOKENS:
            break
        p, c = _token_penalty(m.group()[:_MAX_TOKEN_CHARS], family)
        penalty += p
        chars += c
    return _Scored(codecs.lookup(encoding).name, penalty, chars, text)


def _family(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    if name in _CHINESE:
        return "zh"
    if name in _KOREAN:
        return "ko"
    return ""


# Character kinds for scoring.
_OTHER, _LETTER, _SYMBOL, _MARK, _PUNCT = 0, 1, 2, 3, 4
_HARMLESS_SYMBOLS = frozenset("©®°™€£¥§±×")
# Punctuation that legitimately sits inside a word (l’été, col·lecció).
_WORD_PUNCT = frozenset("’‘·‐")
# Letters real text seldom contains but mis-decoded bytes often produce: Icelandic thorn and eth
# (Turkish ş/ğ read as cp1252) and the Serbian/Macedonian/Belarusian letters of cp1251's
# 0x80-0xBF (cp866 capitals read as cp1251).
_RARE_LETTERS = frozenset("ÞþÐðЂЃѓЉЊЌЋЏђљњќћџЎўЈјЅѕ")


@functools.lru_cache(maxsize=8192)
def _char_info(ch: str) -> tuple[int, str, int, float, bool]:
    """(kind, script, case: 1 upper / -1 lower / 0, own penalty, is kana) of a non-ASCII char.

    Han and kana share the script "cjk" (Japanese mixes them in every word).
    """
    cat = unicodedata.category(ch)
    if ch == "\ufffd":
        return _OTHER, "", 0, 10.0, False
    if cat in ("Cc", "Co", "Cn", "Cs"):
        return _OTHER, "", 0, 5.0, False
    if cat == "Cf":
        return _OTHER, "", 0, 1.0, False
    if cat[0] == "L":
        word = unicodedata.name(ch, "").split(" ", 1)[0]
        case = 1 if cat in {"Lu", "Lt"} else -1 if cat == "Ll" else 0
        if word.startswith(("HIRAGANA", "KATAKANA")):
            return _LETTER, "cjk", 0, 0.0, True
        if word in ("CJK", "FULLWIDTH", "IDEOGRAPHIC"):
            penalty = 1.5 if word == "CJK" and not _common_han(ch) else 0.0
            return _LETTER, "cjk", 0, penalty, False
        if word == "HALFWIDTH":
            return _LETTER, "cjk", 0, 0.5, True
        if word == "HANGUL":
            return _LETTER, "hangul", 0, 0.0 if _encodes(ch, "euc_kr") else 1.5, False
        if word not in ("LATIN", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "THAI", "ARMENIAN"):
            return _LETTER, word or "?", case, 1.0, False  # ª, µ: letters nobody writes
        return _LETTER, word, case, 0.5 if ch in _RARE_LETTERS else 0.0, False
    if cat in {"Mn", "Mc", "Me"}:
        return _MARK, "", 0, 0.0, False
    if (cat[0] == "S" or cat in {"No", "Nd"}) and ch not in _HARMLESS_SYMBOLS:
        return _SYMBOL, "", 0, 0.0, False
    if cat[0] == "P" and ch not in _WORD_PUNCT:
        return _PUNCT, "", 0, 0.0, False
    return _OTHER, "", 0, 0.0, False


def _encodes(ch: str, encoding: str) -> bytes | None:
    try:
        return ch.encode(encoding)
    except UnicodeEncodeError:
        return None


def _common_han(ch: str) -> bool:
    """In the everyday set of GB2312 level 1, Big5 "frequent", or JIS level 1."""
    b = _encodes(ch, "gb2312")
    if b is not None and 0xB0 <= b[0] <= 0xD7:
        return True
    b = _encodes(ch, "big5")
    if b is not None and 0xA4 <= b[0] <= 0xC6:
        return True
    b = _encodes(ch, "cp932")
    return b is not None and 0x88 <= b[0] <= 0x98


def _token_penalty(token: str, family: str) -> tuple[float, int]:
    """How implausible one whitespace-separated token is, and how many non-ASCII chars it has."""
    penalty = 0.0
    chars = 0
    prev_kind, prev_script, prev_case, prev_ascii = _OTHER, "", 0, True
    before_prev_kind = _OTHER
    accent_run = 0
    for ch in token:
        if ch < "\x80":
            ascii_char = True
            if ch.isalpha():
                kind, script, case = _LETTER, "LATIN", 1 if ch.isupper() else -1
            else:
                kind, script, case = _OTHER, "", 0
        else:
            ascii_char = False
            chars += 1
            kind, script, case, own, kana = _char_info(ch)
            penalty += own
            if kana and family in ("zh", "ko"):
                penalty += 1.0  # Chinese and Korean text does not contain kana
            if kind == _MARK and prev_kind != _LETTER:
                penalty += 1.0
        if not (ascii_char and prev_ascii):
            if kind == _LETTER and prev_kind == _LETTER:
                if script != prev_script:
                    east = {script, prev_script} & {"cjk", "hangul"}
                    latin = "LATIN" in (script, prev_script)
                    penalty += 1.0 if east and latin else 3.0
                elif prev_case < 0 < case:
                    penalty += 2.0  # "яЁ": a capital inside a lowercase word
            elif (kind == _LETTER and prev_kind == _SYMBOL) or (
                kind == _SYMBOL and prev_kind == _LETTER
            ):
                penalty += 1.0
            elif (
                kind == _LETTER
                and prev_kind == _PUNCT
                and before_prev_kind == _LETTER
                and script not in ("cjk", "hangul")
            ):
                penalty += 1.0  # "Gr—Ôe": punctuation inside a word (CJK has no spaces)
        if kind == _LETTER and script == "LATIN" and not ascii_char:
            accent_run += 1
            if accent_run >= 3:
                penalty += 1.0  # "ïðèìåð": runs of accented letters are Cyrillic in disguise
        else:
            accent_run = 0
        before_prev_kind = prev_kind
        prev_kind, prev_script, prev_case, prev_ascii = kind, script, case, ascii_char
    return penalty, chars


class StreamDecoder:
    """Incremental decoding for live output deltas.

    Starts as strict UTF-8, which handles characters split across chunks. On the first byte
    sequence that is not UTF-8 it detects the encoding from that chunk and continues with that
    encoding (replacing undecodable bytes) for the rest of the stream. The final, captured output
    is decoded as a whole with :func:`decode_output`, so a wrong guess here only affects the
    live view.
    """

    __slots__ = ("_decoder", "_encoding")

    def __init__(self) -> None:
        self._encoding: str | None = None
        self._decoder: codecs.IncrementalDecoder = codecs.getincrementaldecoder("utf-8")("strict")

    @property
    def encoding(self) -> str | None:
        """``None`` while the stream still looks like UTF-8, then the encoding chosen."""
        return self._encoding

    def decode(self, data: bytes, final: bool = False) -> str:
        if self._encoding is not None:
            return self._decoder.decode(data, final)
        pending, _ = self._decoder.getstate()
        try:
            return self._decoder.decode(data, final)
        except UnicodeDecodeError:
            pass
        whole = pending + data
        self._encoding = detect_encoding(whole)
        self._decoder = codecs.getincrementaldecoder(self._encoding)("replace")
        return self._decoder.decode(whole, final)

    def reset(self) -> None:
        """Forget a partial character (used when bytes were skipped between two deltas)."""
        self._decoder.reset()
