"""decode_output: UTF-8 fast path, legacy encodings, binary, streaming (SYNC-015)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeloop.execution import StreamDecoder, decode_output, detect_encoding
from codeloop.execution import decode as decode_module

# (text, encoding it is written in)
SAMPLES = [
    ("Привет, мир! Это проверка декодирования вывода команды.\n", "cp1251"),
    ("Привет, мир! Это проверка декодирования вывода команды.\n", "cp866"),
    ("Файл не найден. Отказано в доступе.\r\n", "cp866"),
    ("C:\\Users\\Иван> dir\n Том в устройстве C имеет метку Windows\n", "cp866"),
    ("“smart quotes” – dash", "cp1252"),
    ("Error: can’t open “config.yaml” — permission denied\n", "cp1252"),
    ("Le fichier « résumé.txt » a été créé à 10h.\n", "cp1252"),
    ("Größe der Datei: 12 kB; Übergröße möglich.\n", "cp1252"),
    ("café naïve", "latin-1"),
    ("Ça coûte très cher à Genève, déjà.\n", "latin-1"),
    ("日本語のテキストです。コマンドの出力を正しく表示します。\n", "shift_jis"),
    ("ファイルが見つかりません: C:\\temp\\test.txt\n", "shift_jis"),
    ("文件未找到，请检查路径。\n", "gbk"),
    ("檔案未找到，請檢查路徑。\n", "big5"),
    ("파일을 찾을 수 없습니다.\n", "euc_kr"),
    ("日本語のテキストです。\n", "euc_jp"),
    ("Привет, Мир! Ошибка чтения файла.\n", "koi8_r"),
    ("Zażółć gęślą jaźń. Příliš žluťoučký kůň.\n", "cp1250"),
    ("Dosya bulunamadı. Şifre yanlış, güncelleme başarısız.\n", "cp1254"),
    ("Καλημέρα κόσμε, αρχείο δεν βρέθηκε.\n", "cp1253"),
]


@pytest.mark.parametrize(
    ("text", "encoding"), SAMPLES, ids=[f"{e}-{i}" for i, (_, e) in enumerate(SAMPLES)]
)
def test_legacy_encodings(text: str, encoding: str) -> None:
    assert decode_output(text.encode(encoding)) == text


def test_long_legacy_text() -> None:
    text = "Ошибка: файл не найден.\nПроверьте путь и повторите попытку. Всего 15 файлов.\n" * 5000
    for encoding in ("cp1251", "cp866", "koi8_r"):
        assert decode_output(text.encode(encoding)) == text


def test_mostly_ascii_log_with_one_legacy_line() -> None:
    text = "build ok\n" * 200 + "Предупреждение: устаревший параметр\n" + "done\n" * 100
    assert decode_output(text.encode("cp1251")) == text
    assert decode_output(text.encode("cp866")) == text


# Short snippets, from codex-rs core/src/text_encoding.rs's tests.
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xf0\xe8\xec\xe5\xf0", "пример"),  # cp1251
        (b"\xcf\xf0\xe8\xe2\xe5\xf2", "Привет"),  # cp1251
        (b"\xaf\xe0\xa8\xac\xa5\xe0", "пример"),  # cp866
        (b"\x8f\x90\x88", "ПРИ"),  # cp866 capitals
        (b"\x8f\x90\x88 test", "ПРИ test"),  # ... next to ASCII: still not cp1252
        (b"\x93\x94test", "\u201c\u201dtest"),  # cp1252 quotes, not cp866 "УФ"
        (b"\x93foo\x94 \x96 \x93bar\x94", "\u201cfoo\u201d \u2013 \u201cbar\u201d"),
        (b"caf\xe9", "café"),
        (b"\x1b[31mred\x1b[0m", "\x1b[31mred\x1b[0m"),
        ("ÐŸÑ€Ð¸Ð²ÐµÑ‚".encode(), "ÐŸÑ€Ð¸Ð²ÐµÑ‚"),  # valid UTF-8 mojibake is left alone
    ],
)
def test_codex_snippets(data: bytes, expected: str) -> None:
    assert decode_output(data) == expected


def test_cp866_guess_yields_to_cp1252_punctuation() -> None:
    data = "He said “yes” — and left • done".encode("cp1252")
    assert detect_encoding(data) == "cp1252"
    assert decode_output(data) == "He said “yes” — and left • done"


def test_utf8_passes_through_untouched() -> None:
    text = "Hello, мир! 世界 🎉 \x00\x1b[0m\r\n"
    assert decode_output(text.encode()) == text
    assert decode_output(b"") == ""


def test_utf8_fast_path_never_calls_the_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(data: bytes) -> str:
        raise AssertionError("detector called on valid UTF-8")

    monkeypatch.setattr(decode_module, "detect_encoding", boom)
    data = ("ascii and ünïcödé and 中文 " * 400_000).encode()  # ~10 MB
    started = time.perf_counter()
    assert decode_output(data) == data.decode()
    assert time.perf_counter() - started < 0.5  # a few ms in practice; generous for busy CI


def test_utf8_with_a_few_broken_bytes_stays_utf8() -> None:
    data = "héllo wörld ünïcödé ".encode() * 10 + b"\xff" + "fin é".encode()
    out = decode_output(data)
    assert out.startswith("héllo wörld") and out.endswith("fin é")
    assert out.count("\ufffd") == 1


def test_utf8_cut_in_the_middle_of_the_last_character() -> None:
    data = "naïve 日本".encode()[:-1]
    assert detect_encoding(data) == "utf-8"
    assert decode_output(data) == "naïve 日\ufffd"


def test_utf16_with_and_without_bom() -> None:
    text = "Windows PowerShell: Größe 5 МБ\r\n"
    assert decode_output(text.encode("utf-16")) == text
    assert decode_output(text.encode("utf-16-le")) == text
    assert decode_output(text.encode("utf-16-be")) == text
    # ASCII-only UTF-16 without a BOM is also valid UTF-8 (with NULs), and valid UTF-8 wins.
    assert decode_output("ok".encode("utf-16-le")) == "o\x00k\x00"


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(100_000),
        bytes(range(256)) * 10,
        b"\x00" * 1000,
        b"\xff\xfe\xfd",
        b"\xff" * 5000,
        bytes(b | 0x80 for b in os.urandom(4096)),
        Path("/bin/ls").read_bytes(),
    ],
    ids=["random", "all-bytes", "nuls", "ff-fe-fd", "ff", "high-random", "bin-ls"],
)
def test_binary_never_raises(data: bytes) -> None:
    assert isinstance(decode_output(data), str)


def test_random_bytes_fall_back_to_replacement_characters() -> None:
    data = bytes(b | 0x80 for b in os.urandom(2000))
    assert "\ufffd" in decode_output(data)
    assert "\ufffd" in decode_output(Path("/bin/ls").read_bytes())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_decode_to_str(data: bytes) -> None:
    assert isinstance(decode_output(data), str)
    assert isinstance(detect_encoding(data), str)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_valid_utf8_round_trips(text: str) -> None:
    try:
        data = text.encode()
    except UnicodeEncodeError:  # lone surrogates are not UTF-8
        return
    assert decode_output(data) == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.lists(st.integers(0, 800), max_size=10))
def test_stream_decoder_handles_any_split(text: str, cuts: list[int]) -> None:
    data = text.encode("utf-8", "replace")
    points = sorted({c % (len(data) + 1) for c in cuts})
    decoder = StreamDecoder()
    out = []
    start = 0
    for p in [*points, len(data)]:
        out.append(decoder.decode(data[start:p]))
        start = p
    out.append(decoder.decode(b"", final=True))
    assert "".join(out) == data.decode()
    assert decoder.encoding is None


def test_stream_decoder_switches_to_the_detected_encoding() -> None:
    text = "Привет, мир! Файл не найден.\n"
    data = text.encode("cp1251")
    decoder = StreamDecoder()
    out = decoder.decode(b"ok\n") + decoder.decode(data[:10]) + decoder.decode(data[10:], True)
    assert out == "ok\n" + text
    assert decoder.encoding == "cp1251"


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 300))
def test_stream_decoder_never_raises(data: bytes, cut: int) -> None:
    decoder = StreamDecoder()
    assert isinstance(decoder.decode(data[:cut]) + decoder.decode(data[cut:], final=True), str)


def test_package_import_does_not_import_charset_normalizer() -> None:
    code = (
        "import sys, codeloop.execution as e; "
        "e.decode_output('ok ü'.encode()); "
        "print('charset_normalizer' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
