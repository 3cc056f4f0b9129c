"""The largest classes and functions of a tree, in lines (issue 16's size rule: classes <= 200, functions <= 50).

python scripts/lib/sizes.py provider [--top 5]
"""

from __future__ import annotations

import argparse
import ast
import pathlib


def sizes(root: pathlib.Path) -> list[tuple[int, str, str]]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                found.append((lines, kind, f"{path}:{node.lineno} {node.name}"))
    return sorted(found, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=pathlib.Path)
    parser.add_argument("--top", type=int, default=3)
    args = parser.parse_args()
    everything = sizes(args.root)
    for kind in ("class", "function"):
        for lines, _, where in [s for s in everything if s[1] == kind][: args.top]:
            print(f"{kind:8} {lines:4}  {where}")
    per_layer: dict[str, int] = {}
    for path in sorted(args.root.rglob("*.py")):
        layer = path.parent.name if path.parent != args.root else "(top)"
        per_layer[layer] = per_layer.get(layer, 0) + len(path.read_text().splitlines())
    print("lines per layer:", ", ".join(f"{k} {v}" for k, v in per_layer.items()))


if __name__ == "__main__":
    main()
