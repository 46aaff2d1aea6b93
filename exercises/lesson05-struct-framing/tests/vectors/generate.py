#!/usr/bin/env python3
"""Writes struct.json: lesson 05's test vectors, produced by CPython's own
`struct` module, so the Rust tests check byte for byte against Python.

    python3 generate.py            # writes struct.json next to this file

Run it on a 64-bit little-endian Linux or macOS (x86-64 or aarch64): the
native ('@') cases assume what CPython does there (little-endian, an 8-byte
`long`). The script refuses to run anywhere else.

Every case names the test step ("group") that checks it and the operation:

    calcsize  fmt -> size
    pack      fmt, values -> hex, and what unpack gives back ("unpacked")
    unpack    fmt, hex -> values
    error     op(fmt, values or hex) raises; "kind" is the StructError
              variant the Rust code must return, "python" what CPython said

Values are tagged so no precision is lost in JSON: {"int": "123"} (as text,
for 64-bit values), {"bool": true}, {"float": "<the f64's bits in hex>"},
{"bytes": "<hex>"}.
"""

import json
import math
import os
import platform
import struct
import sys

if sys.byteorder != "little" or struct.calcsize("@l") != 8:
    sys.exit("generate.py: run me on a 64-bit little-endian Linux or macOS")

cases = []


def enc(v):
    if isinstance(v, bool):  # before int: bool is an int in Python
        return {"bool": v}
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"float": struct.pack(">d", v).hex()}
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    raise TypeError(f"no JSON tag for {v!r}")


def calcsize(group, fmt):
    cases.append({"group": group, "op": "calcsize", "fmt": fmt,
                  "size": struct.calcsize(fmt)})


def pack(group, fmt, *values):
    packed = struct.pack(fmt, *values)
    assert len(packed) == struct.calcsize(fmt)
    cases.append({"group": group, "op": "pack", "fmt": fmt,
                  "values": [enc(v) for v in values], "hex": packed.hex(),
                  "unpacked": [enc(v) for v in struct.unpack(fmt, packed)]})


def unpack(group, fmt, hexdata):
    values = struct.unpack(fmt, bytes.fromhex(hexdata))
    cases.append({"group": group, "op": "unpack", "fmt": fmt, "hex": hexdata,
                  "values": [enc(v) for v in values]})


def error(group, op, kind, fmt, *args):
    """op(fmt, *args) must raise; args are the values (pack) or hex (unpack)."""
    try:
        if op == "calcsize":
            struct.calcsize(fmt)
        elif op == "pack":
            struct.pack(fmt, *args)
        else:
            struct.unpack(fmt, bytes.fromhex(args[0]))
    except (struct.error, OverflowError) as e:
        name = "struct.error" if isinstance(e, struct.error) else type(e).__name__
        said = f"{name}: {e}"
    else:
        sys.exit(f"generate.py: {op}({fmt!r}, {args!r}) did not raise")
    case = {"group": group, "op": "error", "call": op, "fmt": fmt,
            "kind": kind, "python": said}
    if op == "pack":
        case["values"] = [enc(v) for v in args]
    elif op == "unpack":
        case["hex"] = args[0]
    cases.append(case)


# step 1: calcsize in the standard modes: fixed sizes, no alignment.
for fmt in ["<b", "<B", "<?", "<h", "<H", "<i", "<I", "<l", "<L", "<q",
            "<Q", "<e", "<f", "<d", "<c", "<x", "<s", "<p", ">i", "!q",
            "=l", "=L", "<10s", "<10p", "<0s", "<3x", "<0i", ">bhiq",
            "!hh", "=bq", "<5h3i", "<2c", "< i", "<i h  q", "<", "!",
            "<100000q", "<2s3p4x", "!HHII", ">?d"]:
    calcsize("calcsize", fmt)

# steps 2 and 3: every integer code in little-endian, and `?`.
for fmt, values in [
    ("<b", [-128, -1, 0, 127]),
    ("<B", [0, 255, 0x7F]),
    ("<h", [-32768, 32767, -2, 0x1234]),
    ("<H", [0, 65535, 0x1234]),
    ("<i", [-2**31, 2**31 - 1, -1, 0x12345678]),
    ("<I", [0, 2**32 - 1, 0xDEADBEEF]),
    ("<l", [-2**31, 2**31 - 1, -3]),
    ("<L", [2**32 - 1, 7]),
    ("<q", [-2**63, 2**63 - 1, -2, 0x0102030405060708]),
    ("<Q", [0, 2**64 - 1, 0x0102030405060708]),
]:
    for v in values:
        pack("integers", fmt, v)
# `?` packs the truth of any value, as Python's bool() would.
for v in [True, False, 2, 0, -1, 0.0, 0.5, b"", b"\x00"]:
    pack("integers", "<?", v)
pack("integers", "<bhiq", -1, -2, -3, -4)
pack("integers", "<3h", 1, -1, 256)
pack("integers", "<BHIQ", 1, 2, 3, 4)
pack("integers", "<2?i", True, False, 9)
unpack("integers", "<?", "02")
unpack("integers", "<?", "ff")
unpack("integers", "<b", "80")
unpack("integers", "<i", "ffffff7f")
unpack("integers", "<Q", "ffffffffffffffff")
unpack("integers", "<hH", "fffffffe")

# step 4: the same values in every byte order.
for order in "<>!=":
    pack("orders", order + "hIq", 0x1234, 0x01020304, -2)
    pack("orders", order + "H", 1)
    pack("orders", order + "lL", -5, 0xA0B0C0D0)
    pack("orders", order + "d", 1.5)
    pack("orders", order + "f", -0.25)
    pack("orders", order + "e", 1.0)
    pack("orders", order + "?2b", True, -1, 1)
pack("orders", "!I", 0x7F000001)  # 127.0.0.1 as a network-order integer
pack("orders", "!H", 8080)
unpack("orders", ">i", "fffffffe")
unpack("orders", "!HH", "1f90 0050".replace(" ", ""))

# step 5: native mode ('@' or no prefix): native sizes and alignment.
for fmt in ["", "@", "@b", "@h", "@i", "@l", "@q", "@n", "@N", "@e", "@f",
            "@d", "@?", "bq", "@bq", "@qb", "@bhi", "@bhiq", "@b0i", "@ce",
            "@?d", "@3sh", "@xq", "@2b2h", "@hb", "@hb0h", "@qc0q", "@bd",
            "@c0l", "i", "l", "L", "bhl", "@5pi", "@e?e"]:
    calcsize("native", fmt)
pack("native", "@bq", 1, 2)
pack("native", "bq", -1, -2)
pack("native", "@qb", 3, 4)
pack("native", "@bhi", 1, 2, 3)
pack("native", "@bhiq", -1, -2, -3, -4)
pack("native", "@b0i", 7)
pack("native", "@ce", b"z", 1.0)
pack("native", "@?d", True, 2.5)
pack("native", "@3sh", b"abc", 5)
pack("native", "@xq", 9)
pack("native", "@hb0h", 1, 2)
pack("native", "@l", -2**63)
pack("native", "@L", 2**64 - 1)
pack("native", "@n", -1)
pack("native", "@N", 2**64 - 1)
pack("native", "i", 0x01020304)
pack("native", "lL", -1, 1)
pack("native", "=lL", -1, 1)
unpack("native", "@bq", "ff" + "aa" * 7 + "0100000000000000")
unpack("native", "@hi", "0100" + "eeee" + "02000000")

# step 6: f and d: f rounds a Python float (an f64) to the nearest f32.
for v in [1.5, -0.0, 0.1, 1 / 3, math.inf, -math.inf, math.nan,
          3.4028234663852886e38, 3.4028235e38, 1e-45, 1.401298464324817e-45,
          7e-46, 1e-50, -1e-40, 16777217.0]:
    pack("floats", "<f", v)
for v in [0.1, -0.0, math.pi, math.inf, math.nan, 5e-324,
          1.7976931348623157e308, -1e-310, 2.0**-1022]:
    pack("floats", "<d", v)
pack("floats", ">d", math.pi)
pack("floats", "<2f", 1.0, -1.0)
pack("floats", "<fd", 0.1, 0.1)
unpack("floats", "<f", "0100807f")  # a signalling NaN
unpack("floats", "<f", "01000000")  # the smallest f32 subnormal
unpack("floats", "<f", "ffff7f7f")  # the largest f32
unpack("floats", "<d", "0100000000000000")
unpack("floats", ">f", "c0490fdb")

# step 7: e, IEEE 754 binary16, rounded half to even.
for v in [0.0, -0.0, 1.0, -2.0, 0.5, 0.1, 1 / 3, 65504.0, -65504.0,
          65519.99, 65500.0, 2.0**-14, 2.0**-24, 2.0**-25, 2.0**-25 * 1.0000001,
          3 * 2.0**-25, 5 * 2.0**-25, 1023.5 * 2.0**-24, 1e-8, 1e-300,
          1.0 + 2.0**-10, 1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11,
          2.0 - 2.0**-11, 2049.0, 2051.0, 1000.7, math.inf, -math.inf,
          math.nan, -math.nan, 5e-324]:
    pack("half", "<e", v)
pack("half", ">e", 1.5)
pack("half", "<3e", 1.0, 2.0, 3.0)
for h in ["0100", "ff03", "0004", "ff7b", "007c", "00fc", "017c", "01fc",
          "0080", "003c", "00c0", "5535"]:
    unpack("half", "<e", h)
unpack("half", ">e", "3c00")

# step 8: c, s, p and x.
for v in [b"a", b"\x00", b"\xff"]:
    pack("bytes", "<c", v)
pack("bytes", "<3c", b"a", b"b", b"c")
pack("bytes", "<s", b"a")
pack("bytes", "<s", b"")
pack("bytes", "<5s", b"hi")
pack("bytes", "<5s", b"hello world")
pack("bytes", "<0s", b"abc")
pack("bytes", "<10s", "你好".encode())
pack("bytes", "<p", b"abc")
pack("bytes", "<5p", b"hi")
pack("bytes", "<5p", b"hello")
pack("bytes", "<300p", b"a" * 300)
pack("bytes", "<x")
pack("bytes", "<3x")
pack("bytes", "<bxh", 1, 2)
pack("bytes", "<xcx", b"z")
pack("bytes", "<4sx2s", b"abcd", b"ef")
pack("bytes", "<2s3p", b"xyz", b"xyz")
pack("bytes", "!I4s", 4, b"ping")
unpack("bytes", "<3p", "ff6162")
unpack("bytes", "<5s", "6869000000")
unpack("bytes", "<3x", "616263")
unpack("bytes", "<p", "05")
unpack("bytes", "<2c", "00ff")

# step 9: formats CPython rejects.
for fmt, kind in [("z", "BadChar"), ("<n", "BadChar"), ("<N", "BadChar"),
                  ("!n", "BadChar"), ("<P", "BadChar"), ("i<", "BadChar"),
                  ("<@i", "BadChar"), ("<3 i", "BadChar"), ("<i-", "BadChar"),
                  ("\x00i", "BadChar"), ("3", "RepeatWithoutCode"),
                  ("<2i3", "RepeatWithoutCode"),
                  ("99999999999999999999i", "TooLarge"),
                  ("<9223372036854775807q", "TooLarge"),
                  ("<9223372036854775807s9223372036854775807s", "TooLarge")]:
    error("formats", "calcsize", kind, fmt)
error("formats", "pack", "BadChar", "<z", 1)
error("formats", "pack", "BadChar", "=N", 1)
error("formats", "pack", "RepeatWithoutCode", "<i2", 1)
error("formats", "unpack", "BadChar", "<Z", "00")
error("formats", "unpack", "BadChar", "ii>", "0000000000000000")
error("formats", "unpack", "RepeatWithoutCode", "12", "")

# step 10: values and buffers CPython rejects.
error("values", "pack", "WrongCount", "<i")
error("values", "pack", "WrongCount", "<ii", 1)
error("values", "pack", "WrongCount", "<i", 1, 2)
error("values", "pack", "WrongCount", "<x", 1)
error("values", "pack", "WrongCount", "<3s", b"a", b"b")
error("values", "pack", "WrongCount", "<2c", b"a")
error("values", "pack", "WrongType", "<i", 1.0)
error("values", "pack", "WrongType", "<Q", b"\x01")
error("values", "pack", "WrongType", "<c", b"ab")
error("values", "pack", "WrongType", "<c", b"")
error("values", "pack", "WrongType", "<c", 1)
error("values", "pack", "WrongType", "<s", 1)
error("values", "pack", "WrongType", "<p", 2.0)
error("values", "pack", "WrongType", "<f", b"x")
error("values", "pack", "WrongType", "<d", b"x")
error("values", "pack", "WrongType", "<e", b"x")
for fmt, v in [("<b", 128), ("<b", -129), ("<B", -1), ("<B", 256),
               ("<h", 32768), ("<h", -32769), ("<H", -1), ("<H", 65536),
               ("<i", 2**31), ("<i", -2**31 - 1), ("<I", -1), ("<I", 2**32),
               ("<l", 2**31), ("<L", 2**32), ("<q", 2**63), ("<q", -2**63 - 1),
               ("<Q", -1), ("<Q", 2**64), ("@l", 2**63), ("@n", -2**63 - 1),
               ("@N", -1), ("@B", 256), ("@I", 2**32), ("!H", 70000),
               ("=l", 2**31)]:
    error("values", "pack", "OutOfRange", fmt, v)
error("values", "pack", "OutOfRange", "<bb", 1, 300)
for fmt, v in [("<e", 65520.0), ("<e", -65520.0), ("<e", 1e10),
               ("<f", 1e39), ("<f", -1e39), ("<f", 3.4028235677973366e38),
               (">e", 1e300)]:
    error("values", "pack", "FloatTooLarge", fmt, v)
for fmt, data in [("<i", "616263"), ("<i", "6162636465"), ("<h", ""),
                  ("@bq", "00" * 9), ("<x", ""), ("<2s", "61"),
                  ("!I4s", "00000004")]:
    error("values", "unpack", "BufferSize", fmt, data)

# steps 11 to 13: length-prefixed frames, as the tutorials build them.
def frames(header_fmt, payloads):
    return b"".join(struct.pack(header_fmt, len(p)) + p for p in payloads)

payloads = [b"hello", b"", "这是第1次发送的数据".encode(), bytes(range(256)) * 2,
            b"\x00\x00\x00\x00", b"x"]
# The tutorial sends ten UTF-8 messages, each after struct.pack('i', len).
tutorial = frames("i", [f"这是第{n}次发送的数据".encode("utf-8") for n in range(1, 11)])

out = {
    "generator": "tests/vectors/generate.py",
    "python": platform.python_version(),
    "machine": f"{platform.system()} {platform.machine()}",
    "cases": cases,
    "frames": {
        "payloads": [p.hex() for p in payloads],
        "I32Le": frames("i", payloads).hex(),
        "U32Be": frames("!I", payloads).hex(),
    },
    "tutorial": tutorial.hex(),
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "struct.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump(out, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"wrote {len(cases)} cases to {path}")
