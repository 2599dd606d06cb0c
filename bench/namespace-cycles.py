#!/usr/bin/env python3
"""Prints the namespace cycles (strongly connected components of more than one namespace) among ModelScout.* namespaces.

Usage: bench/namespace-cycles.py [DIR ...]   (default: src)   Exit 0 when there are none, 1 when there are.

An edge A -> B means code declared in namespace A names namespace B, through
  - a `using ModelScout.B;` line (also `using static`, aliases and `global using`; a global using, or a <Using> item in
    the .csproj, counts for every file of its project),
  - a fully qualified `ModelScout.B.Type` in code (comments and string literals are skipped), or
  - the implicit one C# gives a child namespace: code in ModelScout.X.Y sees ModelScout.X's types without a using line.
    That edge is added where the file names one of the types ModelScout.X declares; counting it unconditionally would
    call every composition root that sits above the parts it composes (ModelScout.Server.ScoutServer mapping
    ModelScout.Server.Endpoints) a cycle, whether or not the parts ever look back.
A name that is a type rather than a namespace (`using Wire = ModelScout.Contracts.WireJsonContext;`) counts for the
longest declared namespace it starts with. Files below bin/ and obj/ are skipped.
"""

import os
import re
import sys
from collections import defaultdict

NAMESPACE = re.compile(r"^\s*namespace\s+([\w.]+)\s*[;{]?", re.M)
USING = re.compile(r"^\s*(global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?:global::)?(ModelScout(?:\.\w+)*)\s*;", re.M)
QUALIFIED = re.compile(r"\bModelScout(?:\.[A-Za-z_]\w*)+")
TYPE_DECLARATION = re.compile(
    r"\b(?:class|record(?:\s+(?:class|struct))?|struct|interface|enum|delegate\s+[\w<>\[\],.?\s]+?)\s+([A-Z]\w*)")
CSPROJ_USING = re.compile(r"<Using\s+Include=\"(ModelScout(?:\.\w+)*)\"")
WORD = re.compile(r"\b[A-Z]\w*\b")


def strip_comments_and_strings(text):
    """The code of a C# file with comments and string/char literals blanked (raw, verbatim and interpolated strings
    included; an interpolation's holes are blanked too, which only loses references, never invents them)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == '"' or (c in "$@" and re.match(r'[$@]+"', text[i:])):
            j = i
            while text[j] in "$@":
                j += 1
            prefix = text[i:j]
            quotes = len(re.match(r'"+', text[j:]).group(0))
            if quotes >= 3:  # raw string literal: ends at the same number of quotes
                end = text.find('"' * quotes, j + quotes)
                i = n if end < 0 else end + quotes
            elif "@" in prefix:  # verbatim: "" is an escaped quote
                k = j + 1
                while k < n:
                    if text[k] == '"':
                        if k + 1 < n and text[k + 1] == '"':
                            k += 2
                            continue
                        break
                    k += 1
                i = k + 1
            else:
                k = j + 1
                while k < n and text[k] not in '"\n':
                    k += 2 if text[k] == "\\" else 1
                i = k + 1
            out.append('""')
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^'\\])'", text[i:])
            if m:
                i += len(m.group(0))
                out.append("' '")
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def project_of(path):
    """The folder of the nearest .csproj above a file (its project), or the file's own folder."""
    folder = os.path.dirname(os.path.abspath(path))
    while True:
        if any(name.endswith(".csproj") for name in os.listdir(folder)):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.dirname(os.path.abspath(path))
        folder = parent


def read_tree(roots):
    files = []
    for root in roots:
        for folder, subfolders, names in os.walk(root):
            subfolders[:] = sorted(s for s in subfolders if s not in ("bin", "obj") and not s.startswith("."))
            files.extend(os.path.join(folder, name) for name in sorted(names) if name.endswith(".cs"))
    parsed = []
    for path in files:
        with open(path, encoding="utf-8-sig") as f:
            code = strip_comments_and_strings(f.read())
        parsed.append((path, code, NAMESPACE.findall(code)))
    return parsed


def resolve(name, namespaces):
    """The longest declared namespace that `name` is or starts with."""
    parts = name.split(".")
    for length in range(len(parts), 0, -1):
        candidate = ".".join(parts[:length])
        if candidate in namespaces:
            return candidate
    return None


def ancestors(namespace):
    parts = namespace.split(".")
    return [".".join(parts[:length]) for length in range(len(parts) - 1, 0, -1)]


def build_graph(parsed):
    namespaces = {ns for _, _, declared in parsed for ns in declared}
    types = defaultdict(set)
    for _, code, declared in parsed:
        for ns in declared:
            types[ns].update(TYPE_DECLARATION.findall(code))
    global_usings = defaultdict(set)
    for path, code, _ in parsed:
        for is_global, name in USING.findall(code):
            if is_global:
                global_usings[project_of(path)].add(name)
    for project in {project_of(path) for path, _, _ in parsed}:
        for name in os.listdir(project):
            if name.endswith(".csproj"):
                with open(os.path.join(project, name), encoding="utf-8") as f:
                    global_usings[project].update(CSPROJ_USING.findall(f.read()))

    edges = defaultdict(lambda: defaultdict(set))  # from -> to -> files that make the edge

    def add(source, name, path, why):
        target = resolve(name, namespaces)
        if target is not None and target != source:
            edges[source][target].add(f"{path} ({why})")

    for path, code, declared in parsed:
        words = set(WORD.findall(code))
        for source in declared:
            for name in global_usings[project_of(path)]:
                add(source, name, path, "global using")
            for is_global, name in USING.findall(code):
                if not is_global:
                    add(source, name, path, "using")
            for name in QUALIFIED.findall(code):
                if not re.search(r"^\s*(global\s+)?using\b.*" + re.escape(name), code, re.M) and \
                        not re.search(r"^\s*namespace\s+" + re.escape(name) + r"\b", code, re.M):
                    add(source, name, path, "qualified name")
            for parent in ancestors(source):
                used = sorted(words & types.get(parent, set()))
                if used:
                    add(source, parent, path, "parent's " + ", ".join(used[:3]))
    return namespaces, edges


def strongly_connected(nodes, edges):
    """Tarjan's algorithm, iterative; the components in a stable order."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = counter
                    counter += 1
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(edges[succ]))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component))
    return sorted(result)


def main(argv):
    roots = argv or ["src"]
    parsed = read_tree(roots)
    namespaces, edges = build_graph(parsed)
    cycles = [c for c in strongly_connected(namespaces, edges) if len(c) > 1]
    edge_count = sum(len(targets) for targets in edges.values())
    print(f"{len(namespaces)} namespaces, {edge_count} edges, {len(parsed)} files in {', '.join(roots)}")
    if not cycles:
        print("no namespace cycles")
        return 0
    for number, component in enumerate(cycles, 1):
        print(f"cycle {number}: {' <-> '.join(component)}")
        members = set(component)
        for source in component:
            for target in sorted(edges[source]):
                if target in members:
                    made_by = sorted(edges[source][target])
                    more = f" (+{len(made_by) - 2} more)" if len(made_by) > 2 else ""
                    print(f"  {source} -> {target}: {'; '.join(made_by[:2])}{more}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
