#!/usr/bin/env python3
"""Where the filter's .wasm bytes go (benches/README.md, "Size").

Reads a .wasm built with its name section (`--config 'profile.release.strip=false'`), sizes each
section and each function body, names the functions from the name section (Rust's legacy `_ZN`
and v0 `_R` manglings, demangled here: no other tool needed) and sums them per crate and per
module of this crate. A generic function counts for the crate named first in its path, an
`<X as Trait>::f` for X's crate (Trait's when X is a core/alloc/std type), and anything naming
this crate counts for it. Usage: breakdown.py FILE.wasm [TOP]
"""
import collections
import re
import sys

SECTIONS = {0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
            7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount"}
STD = {"core", "alloc", "std"}
ESCAPES = {"$LT$": "<", "$GT$": ">", "$LP$": "(", "$RP$": ")", "$C$": ",", "$u20$": " ", "$u27$": "'",
           "$u5b$": "[", "$u5d$": "]", "$u7b$": "{", "$u7d$": "}", "$u7e$": "~", "$RF$": "&", "$BP$": "*",
           "$SP$": "@", "$u3b$": ";", "$u21$": "!", "$u22$": '"', "$u2b$": "+"}


def leb(b, i):
    r = s = 0
    while True:
        x = b[i]
        i += 1
        r |= (x & 0x7F) << s
        s += 7
        if x < 0x80:
            return r, i


def demangle(sym):
    """Rust symbol → path (legacy hash dropped); anything else unchanged."""
    m = re.match(r"^_ZN(.*)E$", sym)
    if m:
        rest, parts = m.group(1), []
        while rest and rest[0].isdigit():
            n = re.match(r"\d+", rest).group(0)
            part, rest = rest[len(n):len(n) + int(n)], rest[len(n) + int(n):]
            parts.append(part)
        if parts and re.fullmatch(r"h[0-9a-f]{16}", parts[-1]):
            parts.pop()
        text = "::".join(p[1:] if p.startswith("_$") else p for p in parts)
        text = re.sub(r"\$[A-Za-z0-9]+\$", lambda e: ESCAPES.get(e.group(0), e.group(0)), text)
        return text.replace("..", "::")
    if sym.startswith("_R"):
        # v0 (the precompiled std): the crate root `Cs<hash>_<len><name>`, then the identifiers in order.
        sym = re.sub(r"(?<=C)s[0-9A-Za-z]*_", "", sym)  # crate disambiguators
        root = re.search(r"C(\d+)", sym)
        if root:
            idents, i = [], root.start(1)
            while i < len(sym):
                n = re.match(r"\d+", sym[i:])
                if not n:
                    i += 1
                    continue
                length = int(n.group(0))
                start = i + len(n.group(0))
                if sym[start:start + 1] == "_":
                    start += 1
                ident = sym[start:start + length]
                if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", ident or "-"):
                    idents.append(ident)
                i = start + max(length, 1)
            return "::".join(idents)
    return sym


def crate_of(name):
    if "apigw_envoy" in name:
        return "apigw_envoy"
    m = re.match(r"^<(?:&|\*|mut |const |dyn |\[|\()*([A-Za-z_0-9]+)(::)?[^ ]*(?: as (?:&|\*|dyn )*([A-Za-z_0-9]+))?", name)
    if m:
        x, path, trait = m.group(1), m.group(2), m.group(3)
        if not path:
            return trait if trait and trait not in STD else "core"
        return trait if x in STD and trait and trait not in STD else x
    if "::" in name:
        return name.split("::")[0]
    return "libc (wasi-libc, dlmalloc)"


def parse(path):
    b = open(path, "rb").read()
    i, sections, imported, bodies, names = 8, [], 0, [], {}
    while i < len(b):
        sid = b[i]
        size, i = leb(b, i + 1)
        end = i + size
        label = SECTIONS.get(sid, str(sid))
        if sid == 0:
            n, j = leb(b, i)
            label = "custom " + b[j:j + n].decode("utf-8", "replace")
            if label == "custom name":
                j += n
                while j < end:
                    sub = b[j]
                    sub_size, j = leb(b, j + 1)
                    if sub == 1:
                        count, k = leb(b, j)
                        for _ in range(count):
                            idx, k = leb(b, k)
                            n, k = leb(b, k)
                            names[idx] = b[k:k + n].decode("utf-8", "replace")
                            k += n
                    j += sub_size
        elif sid == 2:
            count, j = leb(b, i)
            for _ in range(count):
                for _ in range(2):
                    n, j = leb(b, j)
                    j += n
                kind = b[j]
                j += 1
                if kind == 0:
                    _, j = leb(b, j)
                    imported += 1
                elif kind in (1, 2):
                    j += 1 if kind == 1 else 0
                    flags = b[j]
                    _, j = leb(b, j + 1)
                    if flags & 1:
                        _, j = leb(b, j)
                else:
                    j += 2
        elif sid == 10:
            count, j = leb(b, i)
            for _ in range(count):
                n, k = leb(b, j)
                bodies.append((k - j + n, b[k:k + n]))
                j = k + n
        sections.append((label, size))
        i = end
    funcs = [(size, demangle(names.get(imported + k, f"function {imported + k}"))) for k, (size, _) in enumerate(bodies)]
    seen, duplicates = set(), 0
    for size, body in bodies:
        duplicates += size if body in seen else 0
        seen.add(body)
    return len(b), sections, funcs, duplicates


def cell(name):
    return name.replace("|", "\\|")


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    total, sections, funcs, duplicates = parse(path)
    code = sum(s for s, _ in funcs)
    print(f"{path}: {total:,} bytes; {len(funcs):,} functions, {code:,} bytes of code, of which "
          f"{duplicates:,} in bodies identical byte for byte to an earlier one\n")
    print("| section | bytes |\n|---|---:|")
    for label, size in sorted(sections, key=lambda s: -s[1]):
        print(f"| {label} | {size:,} |")
    crates, counts, modules = collections.Counter(), collections.Counter(), collections.Counter()
    for size, name in funcs:
        crate = crate_of(name)
        crates[crate] += size
        counts[crate] += 1
        if crate == "apigw_envoy":
            m = re.search(r"apigw_envoy::([a-z_0-9]+)", name)
            modules[m.group(1) if m else "?"] += size
    print("\n| crate (code of its functions and of the generics it names first) | functions | bytes | share of code |\n|---|---:|---:|---:|")
    for crate, size in crates.most_common(top):
        print(f"| {crate} | {counts[crate]:,} | {size:,} | {100 * size / code:.1f} % |")
    print("\n| module of apigw_envoy | bytes | share of code |\n|---|---:|---:|")
    for module, size in modules.most_common(top):
        print(f"| {module} | {size:,} | {100 * size / code:.1f} % |")
    print("\n| function | bytes |\n|---|---:|")
    for size, name in sorted(funcs, reverse=True)[:top]:
        print(f"| `{cell(name)}` | {size:,} |")
    generic = collections.defaultdict(list)
    for size, name in funcs:
        generic[name].append(size)
    print("\n| generic function (same path, several instances) | instances | bytes |\n|---|---:|---:|")
    many = sorted(((sum(v), len(v), k) for k, v in generic.items() if len(v) > 1), reverse=True)
    for size, n, name in many[:top]:
        print(f"| `{cell(name)}` | {n} | {size:,} |")


if __name__ == "__main__":
    main()
