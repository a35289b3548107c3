#!/usr/bin/env python3
"""Every function an internal header declares says which thread may call it.

The vocabulary is defined once, in engine/src/core/threads.h: [audio] [control]
[worker] [bio] [main] [any] (and the combinations it lists: several tags, or
[any !audio]). This check reads every header under engine/src, engine/lulld and
engine/lull and fails naming FILE:LINE of each function declaration (a prototype
or a static inline definition) whose comment carries no tag. The comment that
counts is the one right above the declaration, or one on its own line, or the one
above a run of declarations with no blank line between them (a group sharing one
comment). In engine/include/lull/plugin.h, the ABI, the same holds for each
function pointer field (its own [worker]/[audio]/[any] notation).

Shared structures: each field of the structures in SHARED (written by more than
one thread) must carry a tag saying which thread owns (writes) it, on its line or
in a comment above its group of fields (a group ends at a blank line).

Usage: thread_tags.py [SOURCE_DIR]    (exit 1 and one line per fault)
       thread_tags.py --self-test     (the check finds planted faults)
"""
import os
import re
import sys

ONE_TAG = r"\[(?:audio|control|worker|bio|main|any)(?:\s*!audio)?\]"
# A tag opens or closes a comment ("/* [main] Loads ..." or "... [control] */") or
# opens one of its lines; a tag word inside a sentence ("queued for the [bio] thread") is prose, not a tag.
TAG_AT_EDGE = re.compile(r"^(?:%s\s*)+|(?:%s\s*)+\.?$" % (ONE_TAG, ONE_TAG))


class _Tag:
    """TAG.search(text): a tag at the start or end of one of the comments in text."""

    @staticmethod
    def search(text):
        for c in re.findall(r"/\*[\s\S]*?\*/|//[^\n]*", text):
            body = re.sub(r"^/[*/]|\*/$", "", c)
            lines = [re.sub(r"^\s*\*?", "", l).strip() for l in body.split("\n")]
            joined = " ".join(lines).strip()
            # at the start of the comment or of one of its lines, or at its end
            if TAG_AT_EDGE.search(joined) or any(re.match(ONE_TAG, l) for l in lines):
                return True
        return False


TAG = _Tag()
HEADER_DIRS = ["engine/src", "engine/lulld", "engine/lull"]
ABI = "engine/include/lull/plugin.h"

# Structures more than one thread touches: (file, struct tag, other owners). Each
# field says which thread owns (writes) it: a tag, or one of the other owners
# (threads outside the vocabulary, core/threads.h "Other threads").
SHARED = [
    ("engine/src/engine/engine_internal.h", "lull_engine", ()),
    ("engine/src/osc/osc_server_internal.h", "osc_server", ()),
    ("engine/src/bio/bio_pipeline.c", "bio_pipeline", ()),
    ("engine/src/session/session_recorder.c", "session_recorder", ("session writer",)),
    ("engine/src/sound/sound_bank.c", "sound_bank", ()),
]


def strip_code(text):
    """Returns (code, comments): code with comments and string/char literals
    blanked (newlines kept, so offsets and lines stay), and the comments as
    (start, end, text) triples."""
    out = list(text)
    comments = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            comments.append((i, j, text[i:j]))
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            comments.append((i, j, text[i:j]))
            for k in range(i, j):
                out[k] = " "
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            for k in range(i + 1, min(j, n)):
                if out[k] != "\n":
                    out[k] = " "
            i = j + 1
        else:
            i += 1
    return "".join(out), comments


def blank_preprocessor(code):
    """Blanks preprocessor directives (with their continuation lines)."""
    lines = code.split("\n")
    cont = False
    for idx, line in enumerate(lines):
        if cont or line.lstrip().startswith("#"):
            cont = line.rstrip().endswith("\\")
            lines[idx] = " " * len(line)
    return "\n".join(lines)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def statements(code):
    """Top-level statements as (start, end, kind, text): kind ';' for a
    declaration, '{' for a definition or aggregate whose body is skipped."""
    res = []
    depth = 0
    start = None
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if depth == 0 and start is None and not c.isspace():
            start = i
        if c == "{":
            if depth == 0:
                head = code[start:i]
                if re.search(r"\)\s*$", head) and not re.match(r"\s*(typedef|struct|union|enum)\b", head):
                    # a function definition: the statement ends with its body
                    d, j = 1, i + 1
                    while j < n and d:
                        d += {"{": 1, "}": -1}.get(code[j], 0)
                        j += 1
                    res.append((start, j, "{", code[start:i]))
                    start = None
                    i = j
                    continue
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == ";" and depth == 0:
            res.append((start, i + 1, ";", code[start:i]))
            start = None
        i += 1
    return res


FUNC = re.compile(r"^(?!\s*(typedef|extern\s+\"C\"|return)\b)[\s\S]*?\b([A-Za-z_]\w*)\s*\(")


def function_name(stmt):
    s = re.sub(r"\s+", " ", stmt).strip()
    if not s or s.startswith(("typedef", "struct ", "enum ", "union ")) and "(" not in s.split("{")[0]:
        return None
    if s.startswith("typedef"):
        return None
    m = re.match(r"^(.*?)\b([A-Za-z_]\w*)\s*\(", s)
    if not m:
        return None
    if "(*" in s.split(m.group(2))[0] or "=" in m.group(1):
        return None
    if m.group(2) in ("__attribute__", "_Static_assert", "static_assert"):
        return None
    return m.group(2)


def preceding_comment(text, comments, start, prev_end):
    """The comments between the previous statement's end and start, joined; a
    comment on the previous statement's own line is that statement's."""
    eol = text.find("\n", prev_end) if prev_end > 0 else prev_end
    eol = len(text) if eol < 0 else eol
    return " ".join(c[2] for c in comments if c[0] >= eol and c[1] <= start)


def trailing_comment(text, comments, end):
    eol = text.find("\n", end)
    eol = len(text) if eol < 0 else eol
    return " ".join(c[2] for c in comments if end <= c[0] < eol)


def check_header(root, rel, faults):
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    code, comments = strip_code(text)
    code = blank_preprocessor(code)
    prev_end = 0
    prev_tagged_func_end = None  # end of the previous tagged function declaration
    count = 0
    for start, end, kind, stmt in statements(code):
        name = function_name(stmt)
        above = preceding_comment(text, comments, start, prev_end)
        after = trailing_comment(text, comments, end)
        gap = text[prev_end:start]
        if name:
            count += 1
            inside = " ".join(c[2] for c in comments if start <= c[0] < start + len(stmt))
            tagged = bool(TAG.search(above) or TAG.search(after) or TAG.search(inside))
            # A run of declarations with no blank line between shares one comment.
            if not tagged and prev_tagged_func_end == prev_end and not above.strip() and "\n\n" not in gap.replace(" ", ""):
                tagged = True
            if not tagged:
                faults.append("%s:%d: %s(): no thread tag (%s) in its comment" % (
                    rel, line_of(text, start + len(stmt) - len(stmt.lstrip())), name,
                    "[audio] [control] [worker] [bio] [main] [any]"))
            prev_tagged_func_end = end if tagged else None
        else:
            prev_tagged_func_end = None
        prev_end = end
    return count


def struct_body(text, code, tag):
    m = re.search(r"\bstruct\s+%s\s*\{" % re.escape(tag), code)
    if not m:
        return None
    i = m.end()
    d = 1
    j = i
    while j < len(code) and d:
        d += {"{": 1, "}": -1}.get(code[j], 0)
        j += 1
    return i, j - 1


def check_shared(root, rel, tag, others, faults):
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    code, comments = strip_code(text)
    body = struct_body(text, code, tag)
    if body is None:
        faults.append("%s:1: struct %s not found (tests/lint/thread_tags.py, SHARED)" % (rel, tag))
        return 0
    b0, b1 = body
    # Fields are the top-level statements of the body.
    sub = " " * b0 + code[b0:b1]
    prev_end = b0
    group_tagged = False
    n = 0
    for start, end, kind, stmt in statements(sub):
        if start < b0:
            continue
        above = preceding_comment(text, comments, start, prev_end)
        after = trailing_comment(text, comments, end)
        gap = text[prev_end:start]
        blank = "\n\n" in re.sub(r"[ \t]", "", re.sub(r"[ \t]*/\*[\s\S]*?\*/[ \t]*\n?", "", gap))
        # A tagged comment starts a group of fields; a blank line ends it.
        if blank:
            group_tagged = False
        if TAG.search(above) or any(o in above for o in others):
            group_tagged = True
        n += 1
        if not (group_tagged or TAG.search(after)):
            field = re.sub(r"\s+", " ", stmt).strip()
            faults.append("%s:%d: struct %s field `%s`: no owning thread tag" % (
                rel, line_of(text, start + len(stmt) - len(stmt.lstrip())), tag, field))
        prev_end = end
    return n


def check_abi(root, faults):
    """plugin.h: every function pointer field and every function has a tag."""
    path = os.path.join(root, ABI)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    code, comments = strip_code(text)
    code = blank_preprocessor(code)
    n = 0
    prev_end = 0
    for m in re.finditer(r"\(\s*\*\s*([A-Za-z_]\w*)\s*\)\s*\(", code):
        # the field's statement starts after the previous ';', '{' or '}'
        s = max(code.rfind(";", 0, m.start()), code.rfind("{", 0, m.start()), code.rfind("}", 0, m.start())) + 1
        if code[s:m.start()].lstrip().startswith("typedef"):
            continue
        e = code.find(";", m.end())
        n += 1
        above = preceding_comment(text, comments, s, s - 1 if s > 0 else 0)
        # the comment block directly above: comments that end between the
        # previous statement and this one
        above = " ".join(c[2] for c in comments if c[1] <= s + len(code[s:m.start()]) - len(code[s:m.start()].lstrip()) and c[0] >= s)
        after = trailing_comment(text, comments, e + 1)
        if not (TAG.search(above) or TAG.search(after)):
            faults.append("%s:%d: %s(): no thread tag in its comment" % (ABI, line_of(text, m.start()), m.group(1)))
        prev_end = e
    return n


def self_test():
    """The check must be able to fail: a header with an untagged function, one whose
    tag word sits inside a sentence, a tagged group, and an untagged shared field."""
    import tempfile

    bad = (
        "/* [main] Tagged. */\nint ok_a(void);\nint ok_grouped(void);\n\n"
        "/* Untagged. */\nint bad_untagged(void);\n\n"
        "/* Queued for the [bio] thread: prose, not a tag. */\nint bad_prose(int x);\n"
        "static inline int ok_inline(void) /* [any] */\n{\n    return 0;\n}\n"
        "typedef void (*not_a_function)(void);\n"
    )
    shared = "struct lull_engine {\n    /* [audio] */\n    int a;\n    int b;\n\n    int bad_field;\n};\n"
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "engine/src/x"))
        with open(os.path.join(root, "engine/src/x/bad.h"), "w") as f:
            f.write(bad)
        faults = []
        n = check_header(root, "engine/src/x/bad.h", faults)
        with open(os.path.join(root, "engine/src/x/shared.h"), "w") as f:
            f.write(shared)
        nf = check_shared(root, "engine/src/x/shared.h", "lull_engine", (), faults)
    names = sorted(re.findall(r"(\w+)\(\): no thread tag|field `int (\w+)`", "\n".join(faults)))
    got = sorted(a or b for a, b in names)
    want = ["bad_field", "bad_prose", "bad_untagged"]
    print("self-test: %d functions, %d fields; faults %s (want %s)" % (n, nf, got, want))
    return 0 if got == want and n == 5 and nf == 3 else 1


def main():
    if sys.argv[1:2] == ["--self-test"]:
        return self_test()
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    root = os.path.abspath(root)
    faults = []
    headers = []
    for d in HEADER_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for fn in files:
                if fn.endswith(".h"):
                    headers.append(os.path.relpath(os.path.join(dirpath, fn), root))
    headers.sort()
    nfunc = sum(check_header(root, h, faults) for h in headers)
    nabi = check_abi(root, faults)
    nfield = sum(check_shared(root, h, t, o, faults) for h, t, o in SHARED)
    for f in faults:
        print(f)
    print("thread_tags: %d headers, %d functions, %d plugin ABI entry points, %d shared-structure fields; %d without a tag"
          % (len(headers), nfunc, nabi, nfield, len(faults)))
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
