"""Safe YAML loading with limits and a line number for every element.

PyYAML composes a node graph in which aliases are shared nodes; we measure the graph as if the aliases were
expanded (and reject recursion) before turning it into Python objects, so a "billion laughs" document is
rejected after composing a few kilobytes of nodes. Every mapping value and list item gets its source line,
keyed by its descriptor path (`modules[1].requires[0].name`), so errors can point at the file.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bgdeploy.errors import ContentError

from .limits import MAX_DESCRIPTOR_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES

Lines = dict[str, int]

# Scalars whose text must stay text: `version: 1.10` is not the float 1.1.
_VERBATIM_PATHS = frozenset({"_schema-version", "version", "ID", "extends"})


class _Loader(yaml.SafeLoader):
    pass


def child_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def load_yaml(text: str, file_name: str, *, max_bytes: int = MAX_DESCRIPTOR_BYTES) -> tuple[Any, Lines]:
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        raise ContentError(f"file is larger than {max_bytes // 1024} KB", file=file_name)
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None, {}
        _check_size(node, file_name)
        lines: Lines = {}
        data = _convert(loader, node, "", lines, file_name, 0)
        return data, lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ContentError(f"invalid YAML: {problem}", file=file_name, line=line) from None
    except yaml.YAMLError as exc:
        raise ContentError(f"invalid YAML: {exc}", file=file_name) from None
    except RecursionError:
        raise ContentError("invalid YAML: nested too deeply", file=file_name) from None
    finally:
        if loader is not None:
            loader.dispose()


def _check_size(root: Node, file_name: str) -> None:
    """Count nodes as if aliases were expanded; refuse recursive aliases and oversized expansions."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if depth > MAX_YAML_DEPTH:
            raise ContentError(f"YAML is nested deeper than {MAX_YAML_DEPTH} levels", file=file_name, line=_line(node))
        if key in active:
            raise ContentError("YAML alias refers to itself", file=file_name, line=_line(node))
        active.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            for item in node.value:
                total += size(item, depth + 1)
                if total > MAX_YAML_NODES:
                    break
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
                if total > MAX_YAML_NODES:
                    break
        active.discard(key)
        if total > MAX_YAML_NODES:
            raise ContentError(
                f"YAML expands to more than {MAX_YAML_NODES} elements (too many aliases?)",
                file=file_name,
                line=_line(node),
            )
        sizes[key] = total
        return total

    size(root, 0)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _convert(loader: _Loader, node: Node, path: str, lines: Lines, file_name: str, depth: int) -> Any:
    if path not in lines:
        lines[path] = _line(node)
    if isinstance(node, ScalarNode):
        if path in _VERBATIM_PATHS or node.tag.endswith((":timestamp", ":binary")):
            return node.value
        return loader.construct_object(node, deep=True)
    if isinstance(node, SequenceNode):
        return [
            _convert(loader, item, child_path(path, i), lines, file_name, depth + 1)
            for i, item in enumerate(node.value)
        ]
    if isinstance(node, MappingNode):
        loader.flatten_mapping(node)  # `<<: *anchor` merge keys
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise ContentError("mapping keys must be plain values", file=file_name, line=_line(key_node))
            key = loader.construct_object(key_node)
            key = "null" if key is None else str(key) if not isinstance(key, str) else key
            sub = child_path(path, key)
            if key in result:
                raise ContentError(f'duplicate key "{key}"', file=file_name, line=_line(key_node), path=sub)
            lines[sub] = _line(key_node)
            result[key] = _convert(loader, value_node, sub, lines, file_name, depth + 1)
        return result
    raise ContentError("unsupported YAML node", file=file_name, line=_line(node))


def line_for(lines: Lines, path: str) -> int | None:
    """The line of `path`, or of its closest ancestor that has one."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return lines.get("")
