"""Reading the policy YAML while keeping the line of every key and item, for findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in a policy file, printed as `file:LINE: message`."""

    line: int
    message: str
    source: str = field(default="", compare=False)

    def __str__(self) -> str:
        if self.line > 0:
            return f"{self.source}:{self.line}: {self.message}"
        return f"{self.source}: {self.message}"


@dataclass
class Document:
    """The parsed data, the line of each path in it, and problems found while parsing."""

    source: str
    data: Any
    lines: dict[PathKey, int]
    findings: list[Finding]

    def line_of(self, path: PathKey) -> int:
        """The line of a path, or of its nearest ancestor present in the file."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)

    def finding(self, path: PathKey, message: str) -> Finding:
        return Finding(self.line_of(path), message, self.source)


def _walk(node: yaml.Node, value: Any, path: PathKey, doc: Document) -> None:
    if isinstance(node, yaml.MappingNode) and isinstance(value, dict):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            line = key_node.start_mark.line + 1
            if key is None:
                continue
            if key in first_seen:
                doc.findings.append(
                    Finding(
                        line,
                        f"key '{key}' appears twice in the same place (first at line {first_seen[key]}); "
                        "the second would silently replace the first",
                        doc.source,
                    )
                )
                continue
            first_seen[key] = line
            doc.lines[(*path, key)] = line
            if key in value:
                _walk(value_node, value[key], (*path, key), doc)
    elif isinstance(node, yaml.SequenceNode) and isinstance(value, list):
        for index, (item_node, item) in enumerate(zip(node.value, value, strict=False)):
            doc.lines[(*path, index)] = item_node.start_mark.line + 1
            _walk(item_node, item, (*path, index), doc)


def _syntax_finding(exc: yaml.MarkedYAMLError, source: str) -> Finding:
    """The line the mistake is on, which is not always where the parser noticed it."""
    problem = exc.problem or exc.context or "unreadable"
    problem_line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
    context_line = exc.context_mark.line + 1 if exc.context_mark is not None else None
    # a key missing its colon is only noticed on the line after; the scanner's context is the key itself
    if problem.startswith("could not find expected ':'") and context_line is not None:
        return Finding(context_line, f"not valid YAML: {problem} (is a colon missing after the key?)", source)
    line = problem_line or context_line or 1
    if exc.context and context_line is not None and context_line != line:
        return Finding(line, f"not valid YAML: {problem} ({exc.context} opened at line {context_line})", source)
    return Finding(line, f"not valid YAML: {problem}", source)


def parse(text: str, source: str) -> Document:
    """Parse YAML safely; syntax errors and repeated keys become findings with lines."""
    doc = Document(source=source, data=None, lines={(): 1}, findings=[])
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        doc.findings.append(_syntax_finding(exc, source))
        return doc
    except yaml.YAMLError as exc:
        doc.findings.append(Finding(1, f"not valid YAML: {exc}", source))
        return doc
    if node is None or not isinstance(data, dict):
        doc.findings.append(Finding(1, "the policy must be a YAML mapping with the notice's sections", source))
        return doc
    doc.data = data
    _walk(node, data, (), doc)
    return doc
